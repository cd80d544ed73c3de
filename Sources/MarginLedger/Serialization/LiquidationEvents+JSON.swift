import Foundation
import MarginCore

// The journal encodings of the liquidation events, the order book and the liquidation settings: canonical JSON
// (keys sorted), money and rates as exact decimal strings, instants as ISO-8601, informational figures as numbers
// (a non-finite one as null, read back as NaN).

extension EngineEvent {
    /// The fields of a liquidation event beside `type` (empty for the other kinds).
    package var liquidationFields: [(String, JSONValue)] {
        typealias J = JSONCoding
        switch self {
        case .book(let b):
            return [("instrument", .string(b.instrument))] + b.book.jsonFields
        case .liquidationSettings(let s):
            return [("settings", s.json)]
        case .clock(let t):
            return [("time", J.instant(t))]
        case .marginCall(let c):
            return [("account", .string(c.account)), ("equity", .double(c.equity)),
                    ("maintenanceMargin", .double(c.maintenanceMargin)), ("shortfall", .double(c.shortfall)),
                    ("time", J.instant(c.time))]
        case .liquidation(let s):
            return [("account", .string(s.account)), ("instrument", .string(s.instrument)),
                    ("action", .string(s.action.rawValue)), ("side", .string(s.side.rawValue)),
                    ("fills", .array(s.fills.map { f in
                        J.object([("account", .string(f.account)), ("price", J.money(f.price)),
                                  ("size", J.money(f.size))])
                    })),
                    ("fee", J.money(s.fee)), ("feeCurrency", .string(s.feeCurrency)), ("time", J.instant(s.time)),
                    ("maintenanceMarginBefore", .double(s.maintenanceMarginBefore)),
                    ("maintenanceMarginAfter", .double(s.maintenanceMarginAfter)), ("cost", .double(s.cost))]
        case .liquidationEnd(let e):
            return [("account", .string(e.account)), ("equity", .double(e.equity)),
                    ("maintenanceMargin", .double(e.maintenanceMargin)), ("time", J.instant(e.time))]
        case .takeover(let t):
            return [("account", .string(t.account)),
                    ("transfers", .array(t.transfers.map { x in
                        J.object([("to", .string(x.to)), ("instrument", .string(x.instrument)),
                                  ("quantity", J.money(x.quantity)), ("price", J.money(x.price))])
                    })),
                    ("time", J.instant(t.time)), ("equity", .double(t.equity)), ("fundPays", .double(t.fundPays))]
        case .deleverage(let d):
            return [("account", .string(d.account)), ("counterparty", .string(d.counterparty)),
                    ("instrument", .string(d.instrument)), ("side", .string(d.side.rawValue)),
                    ("quantity", J.money(d.quantity)), ("price", J.money(d.price)), ("markPrice", J.money(d.markPrice)),
                    ("rank", .double(Double(d.rank))), ("score", .double(d.score)), ("time", J.instant(d.time))]
        case .alert(let a):
            return [("kind", .string(a.kind.rawValue)), ("reason", .string(a.reason)), ("amount", .double(a.amount)),
                    ("time", J.instant(a.time))]
        default:
            return []
        }
    }

    /// Decodes a liquidation event of kind `type`; `nil` for any other type.
    package static func liquidationEvent(type: String, json node: JSONNode) throws(EngineError) -> EngineEvent? {
        typealias J = JSONCoding
        func string(_ key: String) throws(EngineError) -> String {
            try J.decode { () throws(InputError) in try node.required(key).string() }
        }
        func money(_ key: String) throws(EngineError) -> Decimal {
            try J.money(try J.decode { () throws(InputError) in try node.required(key) })
        }
        func time(_ key: String = "time") throws(EngineError) -> Instant {
            try J.decode { () throws(InputError) in try node.required(key).instant() }
        }
        func figure(_ key: String) throws(EngineError) -> Double {
            try J.decode { () throws(InputError) in try node.optional(key)?.double() ?? .nan }
        }
        func side(_ key: String) throws(EngineError) -> OrderBook.Side {
            try J.decode { () throws(InputError) in try node.required(key).enumeration(OrderBook.Side.self) }
        }
        switch type {
        case "book":
            return .book(BookUpdate(instrument: try string("instrument"), book: try OrderBook(json: node)))
        case "liquidationSettings":
            return .liquidationSettings(try LiquidationSettings(json: try J.decode { () throws(InputError) in
                try node.required("settings")
            }))
        case "clock":
            return .clock(try time())
        case "marginCall":
            return .marginCall(MarginCall(account: try string("account"), equity: try figure("equity"),
                                          maintenanceMargin: try figure("maintenanceMargin"),
                                          shortfall: try figure("shortfall"), time: try time()))
        case "liquidation":
            var fills: [OrderBook.Execution] = []
            for f in try J.decode({ () throws(InputError) in try node.required("fills").array() }) {
                fills.append(OrderBook.Execution(
                    price: try J.money(try J.decode { () throws(InputError) in try f.required("price") }),
                    size: try J.money(try J.decode { () throws(InputError) in try f.required("size") }),
                    account: try J.decode { () throws(InputError) in try f.required("account").string() }))
            }
            let action = try J.decode { () throws(InputError) in
                try node.required("action").enumeration(LiquidationStep.Action.self)
            }
            return .liquidation(LiquidationStep(
                account: try string("account"), instrument: try string("instrument"), action: action,
                side: try side("side"), fills: fills, fee: try money("fee"), feeCurrency: try string("feeCurrency"),
                time: try time(), maintenanceMarginBefore: try figure("maintenanceMarginBefore"),
                maintenanceMarginAfter: try figure("maintenanceMarginAfter"), cost: try figure("cost")))
        case "liquidationEnd":
            return .liquidationEnd(LiquidationEnd(account: try string("account"), equity: try figure("equity"),
                                                  maintenanceMargin: try figure("maintenanceMargin"), time: try time()))
        case "takeover":
            var transfers: [Takeover.Transfer] = []
            for x in try J.decode({ () throws(InputError) in try node.required("transfers").array() }) {
                transfers.append(Takeover.Transfer(
                    to: try J.decode { () throws(InputError) in try x.required("to").string() },
                    instrument: try J.decode { () throws(InputError) in try x.required("instrument").string() },
                    quantity: try J.money(try J.decode { () throws(InputError) in try x.required("quantity") }),
                    price: try J.money(try J.decode { () throws(InputError) in try x.required("price") })))
            }
            return .takeover(Takeover(account: try string("account"), transfers: transfers, time: try time(),
                                      equity: try figure("equity"), fundPays: try figure("fundPays")))
        case "deleverage":
            let rank = try J.decode { () throws(InputError) in try node.required("rank").integer() }
            return .deleverage(Deleverage(
                account: try string("account"), counterparty: try string("counterparty"),
                instrument: try string("instrument"), side: try side("side"), quantity: try money("quantity"),
                price: try money("price"), markPrice: try money("markPrice"), rank: rank, score: try figure("score"),
                time: try time()))
        case "alert":
            let kind = try J.decode { () throws(InputError) in
                try node.required("kind").enumeration(LiquidationAlert.Kind.self)
            }
            return .alert(LiquidationAlert(kind: kind, reason: try string("reason"), amount: try figure("amount"),
                                           time: try time()))
        default:
            return nil
        }
    }
}

extension OrderBook {
    /// `bids` and `asks` as arrays of `{"account","price","size"}` (money as decimal strings), best first.
    package var jsonFields: [(String, JSONValue)] {
        func levels(_ ls: [BookLevel]) -> JSONValue {
            .array(ls.map { l in
                JSONCoding.object([("account", .string(l.account)), ("price", JSONCoding.money(l.price)),
                                   ("size", JSONCoding.money(l.size))])
            })
        }
        return [("bids", levels(bids)), ("asks", levels(asks))]
    }

    /// The book as a JSON object (`bids`, `asks`).
    package var json: JSONValue { JSONCoding.object(jsonFields) }

    /// Reads `bids` and `asks` from `node` (absent sides are empty).
    package init(json node: JSONNode) throws(EngineError) {
        typealias J = JSONCoding
        func levels(_ key: String) throws(EngineError) -> [BookLevel] {
            var out: [BookLevel] = []
            for l in try J.decode({ () throws(InputError) in try node.optional(key)?.array() ?? [] }) {
                out.append(BookLevel(
                    price: try J.money(try J.decode { () throws(InputError) in try l.required("price") }),
                    size: try J.money(try J.decode { () throws(InputError) in try l.required("size") }),
                    account: try J.decode { () throws(InputError) in try l.required("account").string() }))
            }
            return out
        }
        self.init(bids: try levels("bids"), asks: try levels("asks"))
    }
}

extension LiquidationSettings {
    /// Every setting, keys sorted, rates as decimal strings.
    public var json: JSONValue {
        typealias J = JSONCoding
        return J.object([
            ("enabled", .bool(enabled)), ("buffer", J.money(buffer)), ("impactLimit", J.money(impactLimit)),
            ("futuresFeeRate", J.money(futuresFeeRate)), ("optionsFeeRate", J.money(optionsFeeRate)),
            ("roundsPerSecond", J.money(roundsPerSecond)), ("maxStepsPerRound", .double(Double(maxStepsPerRound))),
            ("takeoverDiscount", J.money(takeoverDiscount)), ("backstops", .array(backstops.map { .string($0) })),
            ("insuranceFund", .string(insuranceFund)), ("feeAccount", .string(feeAccount)),
        ])
    }

    /// Reads the settings; an absent field keeps its default.
    public init(json node: JSONNode) throws(EngineError) {
        typealias J = JSONCoding
        self.init()
        func rate(_ key: String, _ value: inout Decimal) throws(EngineError) {
            if let n = try J.decode({ () throws(InputError) in try node.optional(key) }) { value = try J.money(n) }
        }
        if let e = try J.decode({ () throws(InputError) in try node.optional("enabled")?.bool() }) { enabled = e }
        try rate("buffer", &buffer)
        try rate("impactLimit", &impactLimit)
        try rate("futuresFeeRate", &futuresFeeRate)
        try rate("optionsFeeRate", &optionsFeeRate)
        try rate("roundsPerSecond", &roundsPerSecond)
        try rate("takeoverDiscount", &takeoverDiscount)
        if let n = try J.decode({ () throws(InputError) in try node.optional("maxStepsPerRound")?.integer() }) {
            maxStepsPerRound = n
        }
        if let list = try J.decode({ () throws(InputError) in try node.optional("backstops")?.array() }) {
            backstops = try J.decode { () throws(InputError) in
                try list.map { (n) throws(InputError) in try n.string() }
            }
        }
        if let f = try J.decode({ () throws(InputError) in try node.optional("insuranceFund")?.string() }) {
            insuranceFund = f
        }
        if let f = try J.decode({ () throws(InputError) in try node.optional("feeAccount")?.string() }) {
            feeAccount = f
        }
    }
}
