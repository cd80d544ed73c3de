import Foundation
import MarginCore

extension EngineState {
    /// The whole state as canonical JSON (keys sorted, money as decimal strings): the snapshot payload.
    ///
    /// Markets are `market.json` underlyings with their own `valuationTime`, instruments `portfolio.json` instrument
    /// fields, parameters the parameter file and correlations `market.json`'s `correlations`, all written and read
    /// by the core's encoders and decoders. Positions carry their exact `quantity` and `cost`; the liquidation part
    /// (`books`, `liquidationSettings`, `liquidations`, `clock`, `totals`, `liquidationHalt`) is written only when it
    /// differs from an empty engine's.
    public var json: JSONValue { json(accounts: true) }

    /// The canonical JSON, with or without the accounts (``payload`` streams them).
    package func json(accounts includeAccounts: Bool) -> JSONValue {
        typealias J = JSONCoding
        let markets = self.markets.map { name, m -> (String, JSONValue) in
            (name, m.json(includingValuationTime: true))
        }
        let accounts = !includeAccounts ? [] : self.accounts.map { name, a -> (String, JSONValue) in
            let balances = a.balances.map { ($0.key, J.money($0.value)) }
            let positions = a.positions.map { id, p -> (String, JSONValue) in
                (id, J.object([("cost", J.money(p.cost)), ("quantity", J.money(p.quantity))]))
            }
            return (name, J.object([("balances", J.object(balances)), ("positions", J.object(positions)),
                                    ("health", .string(a.health.rawValue))]))
        }
        var fields: [(String, JSONValue)] = [
            ("sequence", .string(String(sequence))),
            ("parameters", parameters.json),
            ("markets", J.object(markets)),
            ("instruments", J.object(instruments.map { ($0.key, $0.value.json) })),
            ("accounts", J.object(accounts)),
        ]
        // Omitted when empty, so states without correlations keep the payload (and digest) they always had.
        if !correlations.pairs.isEmpty { fields.append(("correlations", correlations.json)) }
        // The dynamic table's state, likewise only when present.
        if let policy = correlationPolicy {
            fields.append(("correlationPolicy", policy.json))
            fields.append(("correlationMonitor", correlationMonitor.json))
        }
        if let provenance = correlationProvenance { fields.append(("correlationProvenance", provenance.json)) }
        if !crossRates.isEmpty {
            fields.append(("crossRates", .array(crossRates.keys.sorted().compactMap { crossRates[$0]?.snapshotJSON })))
        }
        if !frontEnd.isEmpty { fields.append(("frontEnd", frontEnd.json)) }
        if !frontEnd.forgottenDigests.isEmpty { fields.append(("frontEndForgotten", frontEnd.forgottenJSON)) }
        fields += liquidationFields
        return J.object(fields)
    }

    /// The snapshot payload text (compact canonical JSON): exactly `json.serialized(pretty: false)`, written without
    /// building the accounts' tree (the bulk of a large state), which halves the time and the transient memory.
    public var payload: String {
        typealias J = JSONCoding
        var out: [UInt8] = []
        out.reserveCapacity(1_024 + accounts.count * 640)
        // `json` minus the accounts: its keys sorted; "accounts" sorts first of them.
        guard case .object(let fields) = json(accounts: false) else { return "" }
        func key(_ k: String) {
            JSONValue.string(k).appendSerialized(to: &out)
            out.append(UInt8(ascii: ":"))
        }
        out.append(UInt8(ascii: "{"))
        key("accounts")
        out.append(UInt8(ascii: "{"))
        for (i, name) in accounts.keys.sorted().enumerated() {
            guard let a = accounts[name] else { continue }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            key(name)
            // {"balances":{…},"health":"…","positions":{id:{"entryPrice":…,"quantity":…}}}, keys sorted.
            out.append(UInt8(ascii: "{"))
            key("balances")
            out.append(UInt8(ascii: "{"))
            for (j, currency) in a.balances.keys.sorted().enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                key(currency)
                J.money(a.balances[currency] ?? 0).appendSerialized(to: &out)
            }
            out += "},".utf8
            key("health")
            JSONValue.string(a.health.rawValue).appendSerialized(to: &out)
            out.append(UInt8(ascii: ","))
            key("positions")
            out.append(UInt8(ascii: "{"))
            for (j, id) in a.positions.keys.sorted().enumerated() {
                guard let p = a.positions[id] else { continue }
                if j > 0 { out.append(UInt8(ascii: ",")) }
                key(id)
                out.append(UInt8(ascii: "{"))
                key("cost")
                J.money(p.cost).appendSerialized(to: &out)
                out.append(UInt8(ascii: ","))
                key("quantity")
                J.money(p.quantity).appendSerialized(to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out += "}}".utf8
        }
        out.append(UInt8(ascii: "}"))
        for field in fields where field.key != "accounts" {
            out.append(UInt8(ascii: ","))
            key(field.key)
            field.value.appendSerialized(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a snapshot payload.
    public init(payload: String) throws(EngineError) {
        typealias J = JSONCoding
        let root = try J.decode { () throws(InputError) in try JSONNode.parse(payload) }
        self.init()
        let seqText = try J.decode { () throws(InputError) in try root.required("sequence").string() }
        guard let seq = UInt64(seqText) else { throw EngineError.invalid(field: "$.sequence", reason: "not an integer") }
        sequence = seq
        parameters = try J.decode { () throws(InputError) in try RiskParameters(json: try root.required("parameters")) }
        if let c = try J.decode({ () throws(InputError) in try root.optional("correlations") }) {
            correlations = try J.decode { () throws(InputError) in try CorrelationTable(json: c) }
        }
        if let p = try J.decode({ () throws(InputError) in try root.optional("correlationPolicy") }) {
            let policy = try J.decode { () throws(InputError) in try CorrelationPolicy(json: p) }
            correlationPolicy = policy
            correlationMonitor = try J.decode { () throws(InputError) in
                try CorrelationMonitor(json: try root.required("correlationMonitor"), configuration: policy.estimator)
            }
        }
        if let p = try J.decode({ () throws(InputError) in try root.optional("correlationProvenance") }) {
            correlationProvenance = try J.decode { () throws(InputError) in try CorrelationProvenance(json: p) }
        }
        for (name, node) in try J.decode({ () throws(InputError) in try root.required("markets").object() }) {
            markets[name] = try J.decode { () throws(InputError) in
                let time = try node.required("valuationTime").instant()
                return try UnderlyingMarket(json: node, name: name, valuationTime: time)
            }
        }
        if let list = try J.decode({ () throws(InputError) in try root.optional("crossRates") }) {
            for node in try J.decode({ () throws(InputError) in try list.array() }) {
                let cross = try J.decode { () throws(InputError) in try CrossRate(snapshotJSON: node) }
                crossRates[UnderlyingPair(cross.base, cross.quote)] = cross
            }
        }
        let forgotten = try J.decode({ () throws(InputError) in try root.optional("frontEndForgotten") })
        if let f = try J.decode({ () throws(InputError) in try root.optional("frontEnd") }) {
            frontEnd = try J.decode { () throws(InputError) in try FrontEndRecords(json: f, forgotten: forgotten) }
        } else if let s = try J.decode({ () throws(InputError) in try root.optional("service") }) {
            frontEnd = try J.decode { () throws(InputError) in try FrontEndRecords(version1: s) }
        }
        for (id, node) in try J.decode({ () throws(InputError) in try root.required("instruments").object() }) {
            instruments[id] = try J.decode { () throws(InputError) in try Instrument(json: node) }
        }
        for (name, node) in try J.decode({ () throws(InputError) in try root.required("accounts").object() }) {
            var a = AccountState()
            for (currency, b) in try J.decode({ () throws(InputError) in try node.required("balances").object() }) {
                a.balances[currency] = try J.money(b)
            }
            for (id, p) in try J.decode({ () throws(InputError) in try node.required("positions").object() }) {
                let q = try J.money(try J.decode { () throws(InputError) in try p.required("quantity") })
                let c = try J.money(try J.decode { () throws(InputError) in try p.required("cost") })
                a.positions[id] = PositionState(quantity: q, cost: c)
            }
            a.health = try J.decode { () throws(InputError) in try node.required("health").enumeration(Health.self) }
            accounts[name] = a
        }
        try decodeLiquidationFields(root)
    }
}
