import Foundation
import MarginCore

extension EngineEvent {
    /// The event as a canonical JSON object (keys sorted, money as decimal strings): the journal payload.
    public var json: JSONValue {
        typealias J = JSONCoding
        var pairs: [(String, JSONValue)] = [("type", .string(kind))]
        switch self {
        case .deposit(let t), .withdrawal(let t):
            pairs += [("account", .string(t.account)), ("currency", .string(t.currency)), ("amount", J.money(t.amount))]
        case .fill(let f):
            pairs += [("account", .string(f.account)), ("instrument", .string(f.instrument)),
                      ("quantity", J.money(f.quantity)), ("price", J.money(f.price)), ("fee", J.money(f.fee)),
                      ("feeCurrency", .string(f.feeCurrency))]
        case .market(let m):
            pairs += [("underlying", .string(m.underlying)), ("time", J.instant(m.time))]
            if let index = m.index { pairs.append(("index", .double(index))) }
            if let rate = m.rate { pairs.append(("rate", .double(rate))) }
            if let forwards = m.forwards { pairs.append(("forwards", J.encode(forwards: forwards))) }
            if let surface = m.surface { pairs.append(("surface", J.encode(surface))) }
        case .listing(let l):
            pairs += [("id", .string(l.id)), ("instrument", J.encode(l.instrument))]
        case .expiry(let e):
            pairs += [("instrument", .string(e.instrument)), ("settlementPrice", J.money(e.settlementPrice))]
        case .parameters(let p):
            pairs.append(("parameters", J.encode(p)))
        case .correlations(let table):
            pairs.append(("correlations", J.encode(table)))
        case .health(let h):
            pairs += [("account", .string(h.account)), ("from", .string(h.from.rawValue)), ("to", .string(h.to.rawValue)),
                      ("equity", .double(h.equity)), ("maintenanceMargin", .double(h.maintenanceMargin)),
                      ("initialMargin", .double(h.initialMargin))]
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

    /// Decodes an event object.
    public init(json node: JSONNode) throws(EngineError) {
        typealias J = JSONCoding
        let type = try J.decode { () throws(InputError) in try node.required("type").string() }
        func string(_ key: String) throws(EngineError) -> String {
            try J.decode { () throws(InputError) in try node.required(key).string() }
        }
        func money(_ key: String) throws(EngineError) -> Decimal {
            try J.money(try J.decode { () throws(InputError) in try node.required(key) })
        }
        func double(_ key: String) throws(EngineError) -> Double {
            try J.decode { () throws(InputError) in try node.required(key).double() }
        }
        switch type {
        case "deposit", "withdrawal":
            let t = Transfer(account: try string("account"), currency: try string("currency"), amount: try money("amount"))
            self = type == "deposit" ? .deposit(t) : .withdrawal(t)
        case "fill":
            self = .fill(Fill(account: try string("account"), instrument: try string("instrument"),
                              quantity: try money("quantity"), price: try money("price"), fee: try money("fee"),
                              feeCurrency: try string("feeCurrency")))
        case "market":
            var m = MarketUpdate(underlying: try string("underlying"),
                                 time: try J.decode { () throws(InputError) in try node.required("time").instant() })
            m.index = try J.decode { () throws(InputError) in try node.optional("index")?.double() }
            m.rate = try J.decode { () throws(InputError) in try node.optional("rate")?.double() }
            if let f = try J.decode({ () throws(InputError) in try node.optional("forwards") }) { m.forwards = try J.forwards(f) }
            if let s = try J.decode({ () throws(InputError) in try node.optional("surface") }) { m.surface = try J.surface(s) }
            self = .market(m)
        case "listing":
            self = .listing(Listing(id: try string("id"),
                                    instrument: try J.instrument(try J.decode { () throws(InputError) in try node.required("instrument") })))
        case "expiry":
            self = .expiry(Expiry(instrument: try string("instrument"), settlementPrice: try money("settlementPrice")))
        case "parameters":
            self = .parameters(try J.parameters(try J.decode { () throws(InputError) in try node.required("parameters") }))
        case "correlations":
            self = .correlations(try J.correlations(try J.decode { () throws(InputError) in try node.required("correlations") }))
        case "health":
            func health(_ key: String) throws(EngineError) -> Health {
                try J.decode { () throws(InputError) in try node.required(key).enumeration(Health.self) }
            }
            self = .health(HealthChange(account: try string("account"), from: try health("from"), to: try health("to"),
                                        equity: try double("equity"), maintenanceMargin: try double("maintenanceMargin"),
                                        initialMargin: try double("initialMargin")))
        default:
            throw EngineError.invalid(field: "\(node.path).type", reason: "unknown event type \"\(type)\"")
        }
    }
}
