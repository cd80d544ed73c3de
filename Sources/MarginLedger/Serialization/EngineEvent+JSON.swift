import Foundation
import MarginCore

extension EngineEvent {
    /// The event as a canonical JSON object (keys sorted, money as decimal strings): the journal payload.
    ///
    /// Markets, instruments, parameters and correlations are written in the input files' formats by the core's
    /// encoders (`market.json`'s underlying fields, a `portfolio.json` position's instrument fields, the parameter
    /// file, `market.json`'s `correlations`), and read back by the same decoders that read those files:
    /// `{"type":"market","underlying":"BTC","time":"…","index":…,"forwards":[{"expiry":…,"price":…}],
    /// "perpetualPrice":…,"volSurface":[{"expiry":…,"points":[{"iv":…,"strike":…}]}]}`.
    public var json: JSONValue {
        typealias J = JSONCoding
        var pairs: [(String, JSONValue)] = [("type", .string(kind))]
        switch self {
        case .deposit(let t), .withdrawal(let t):
            pairs += [("account", .string(t.account)), ("currency", .string(t.currency)), ("amount", J.money(t.amount))]
        case .trade(let t):
            pairs += [("buyer", .string(t.buyer)), ("seller", .string(t.seller)), ("instrument", .string(t.instrument)),
                      ("quantity", J.money(t.quantity)), ("price", J.money(t.price)),
                      ("buyerFee", J.money(t.buyerFee)), ("sellerFee", J.money(t.sellerFee)),
                      ("feeCurrency", .string(t.feeCurrency))]
        case .market(let m):
            pairs += [("underlying", .string(m.underlying)), ("time", J.instant(m.time))]
            if let index = m.index { pairs.append(("index", .double(index))) }
            if let rate = m.rate { pairs.append(("rate", .double(rate))) }
            if let forwards = m.forwards { pairs.append(("forwards", UnderlyingMarket.json(forwards: forwards))) }
            if let p = m.perpetualPrice { pairs.append(("perpetualPrice", .double(p))) }
            if let surface = m.surface { pairs.append(("volSurface", VolQuote.json(surface))) }
        case .listing(let l):
            pairs += [("id", .string(l.id)), ("instrument", l.instrument.json)]
        case .expiry(let e):
            pairs += [("instrument", .string(e.instrument)), ("settlementPrice", J.money(e.settlementPrice))]
        case .parameters(let p):
            pairs.append(("parameters", p.json))
        case .correlations(let table, let provenance):
            pairs.append(("correlations", table.json))
            if let provenance { pairs.append(("provenance", provenance.json)) }
        case .crossRate(let c):
            pairs += c.jsonFields
        case .correlationPolicy(let p):
            pairs.append(("policy", p.json))
        case .health(let h):
            // Figures are informational (the state keeps only `to`); a non-finite one is written as null.
            pairs += [("account", .string(h.account)), ("from", .string(h.from.rawValue)), ("to", .string(h.to.rawValue)),
                      ("equity", .double(h.equity)), ("maintenanceMargin", .double(h.maintenanceMargin)),
                      ("initialMargin", .double(h.initialMargin))]
        case .frontEnd(let r):
            pairs += r.jsonFields
        default:
            pairs += liquidationFields
        }
        return J.object(pairs)
    }

    /// The journal payload text (compact canonical JSON).
    public var payload: String { json.serialized(pretty: false) }

    /// Decodes a journal payload.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the JSON path of the bad field.
    public init(payload: String) throws(EngineError) {
        let root = try JSONCoding.decode { () throws(InputError) in try JSONNode.parse(payload) }
        try self.init(json: root)
    }

    /// Decodes an event object. Reads back every event ``EngineEvent/validate()`` accepts, equal to it (markets,
    /// instruments, parameters and correlations through the core's file decoders).
    public init(json node: JSONNode) throws(EngineError) {
        typealias J = JSONCoding
        let type = try J.decode { () throws(InputError) in try node.required("type").string() }
        func string(_ key: String) throws(EngineError) -> String {
            try J.decode { () throws(InputError) in try node.required(key).string() }
        }
        func money(_ key: String) throws(EngineError) -> Decimal {
            try J.money(try J.decode { () throws(InputError) in try node.required(key) })
        }
        switch type {
        case "deposit", "withdrawal":
            let t = Transfer(account: try string("account"), currency: try string("currency"), amount: try money("amount"))
            self = type == "deposit" ? .deposit(t) : .withdrawal(t)
        case "trade":
            self = .trade(Trade(buyer: try string("buyer"), seller: try string("seller"),
                                instrument: try string("instrument"), quantity: try money("quantity"),
                                price: try money("price"), buyerFee: try money("buyerFee"),
                                sellerFee: try money("sellerFee"), feeCurrency: try string("feeCurrency")))
        case "market":
            self = .market(try J.decode { () throws(InputError) -> MarketUpdate in
                var m = MarketUpdate(underlying: try node.required("underlying").string(),
                                     time: try node.required("time").instant())
                m.index = try node.optional("index")?.double()
                m.rate = try node.optional("rate")?.double()
                if let f = try node.optional("forwards") {
                    m.forwards = try UnderlyingMarket.forwards(json: f, after: nil)
                }
                m.perpetualPrice = try node.optional("perpetualPrice")?.double()
                if let s = try node.optional("volSurface") { m.surface = try VolQuote.quotes(json: s) }
                return m
            })
        case "listing":
            self = .listing(Listing(id: try string("id"), instrument: try J.decode { () throws(InputError) in
                try Instrument(json: try node.required("instrument"))
            }))
        case "expiry":
            self = .expiry(Expiry(instrument: try string("instrument"), settlementPrice: try money("settlementPrice")))
        case "parameters":
            self = .parameters(try J.decode { () throws(InputError) in
                try RiskParameters(json: try node.required("parameters"))
            })
        case "correlations":
            let table = try J.decode { () throws(InputError) in
                try CorrelationTable(json: try node.required("correlations"))
            }
            let provenance = try J.decode { () throws(InputError) in
                try node.optional("provenance").map { (p) throws(InputError) in try CorrelationProvenance(json: p) }
            }
            self = .correlations(table, provenance: provenance)
        case "crossRate":
            self = .crossRate(try J.decode { () throws(InputError) in try CrossRateUpdate(json: node) })
        case "correlationPolicy":
            self = .correlationPolicy(try J.decode { () throws(InputError) in
                try CorrelationPolicy(json: try node.required("policy"))
            })
        case "health":
            func health(_ key: String) throws(EngineError) -> Health {
                try J.decode { () throws(InputError) in try node.required(key).enumeration(Health.self) }
            }
            func figure(_ key: String) throws(EngineError) -> Double {
                try J.decode { () throws(InputError) in try node.optional(key)?.double() ?? .nan }
            }
            self = .health(HealthChange(account: try string("account"), from: try health("from"), to: try health("to"),
                                        equity: try figure("equity"),
                                        maintenanceMargin: try figure("maintenanceMargin"),
                                        initialMargin: try figure("initialMargin")))
        case "frontEnd":
            self = .frontEnd(try J.decode { () throws(InputError) in try FrontEndRecord(json: node) })
        case _ where FrontEndRecord.version1Types.contains(type):
            self = .frontEnd(try J.decode { () throws(InputError) in try FrontEndRecord(version1: node, type: type) })
        default:
            guard let event = try Self.liquidationEvent(type: type, json: node) else {
                throw EngineError.invalid(field: "\(node.path).type", reason: "unknown event type \"\(type)\"")
            }
            self = event
        }
    }
}
