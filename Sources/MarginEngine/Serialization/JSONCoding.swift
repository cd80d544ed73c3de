import Foundation
import MarginCore

/// Helpers for the journal's deterministic JSON: object keys sorted, numbers in shortest round-trip form, money
/// as decimal strings (exact), instants as ISO-8601 text.
enum JSONCoding {
    /// An object with its keys sorted (the canonical form every record uses).
    static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.sorted { $0.0 < $1.0 }.map { (key: $0.0, value: $0.1) })
    }

    static func money(_ d: Decimal) -> JSONValue { .string(Money.text(d)) }

    static func instant(_ t: Instant) -> JSONValue { .string(t.iso8601) }

    static func doubles(_ xs: [Double]) -> JSONValue { .array(xs.map { JSONValue.double($0) }) }

    /// Decodes a money string field.
    static func money(_ node: JSONNode) throws(EngineError) -> Decimal {
        let text: String
        do { text = try node.string() } catch { throw EngineError.input(error) }
        guard let d = Money.parse(text) else {
            throw EngineError.invalid(field: node.path, reason: "\"\(text)\" is not a decimal number")
        }
        return d
    }

    /// Runs a decoding closure, mapping the core's ``InputError`` to ``EngineError``.
    static func decode<T>(_ body: () throws(InputError) -> T) throws(EngineError) -> T {
        do { return try body() } catch { throw EngineError.input(error) }
    }

    // MARK: Instruments

    static func encode(_ i: Instrument) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("underlying", .string(i.underlying)), ("settlement", .string(i.settlement.rawValue))]
        switch i.kind {
        case .perpetual: pairs.append(("kind", .string("perpetual")))
        case .future(let expiry):
            pairs += [("kind", .string("future")), ("expiry", instant(expiry))]
        case .option(let c):
            pairs += [("kind", .string("option")), ("expiry", instant(c.expiry)), ("strike", .double(c.strike)),
                      ("right", .string(c.right.rawValue))]
        }
        return object(pairs)
    }

    static func instrument(_ node: JSONNode) throws(EngineError) -> Instrument {
        try decode { () throws(InputError) -> Instrument in
            let underlying = try node.required("underlying").string()
            let settlement = try node.required("settlement").enumeration(Settlement.self)
            let kindNode = try node.required("kind")
            switch try kindNode.string() {
            case "perpetual": return Instrument(underlying: underlying, kind: .perpetual, settlement: settlement)
            case "future":
                return Instrument(underlying: underlying, kind: .future(expiry: try node.required("expiry").instant()),
                                  settlement: settlement)
            case "option":
                let c = OptionContract(expiry: try node.required("expiry").instant(),
                                       strike: try node.required("strike").positiveDouble(),
                                       right: try node.required("right").enumeration(OptionRight.self))
                return Instrument(underlying: underlying, kind: .option(c), settlement: settlement)
            case let other:
                throw InputError.invalid(path: kindNode.path, reason: "\"\(other)\" is not perpetual, future or option")
            }
        }
    }

    // MARK: Risk parameters

    static func encode(_ p: RiskParameters) -> JSONValue {
        object([
            ("name", .string(p.name)), ("priceRange", .double(p.priceRange)),
            ("pricePoints", .double(Double(p.pricePoints))), ("volShifts", doubles(p.volShifts)),
            ("timeShiftsDays", doubles(p.timeShiftsDays)), ("extremeMultiple", .double(p.extremeMultiple)),
            ("extremeCoverage", .double(p.extremeCoverage)),
            ("shortOptionMinimumRate", .double(p.shortOptionMinimumRate)), ("rollShift", .double(p.rollShift)),
            ("liquidationCost", object([
                ("futuresRate", .double(p.futuresLiquidationRate)),
                ("optionsNotionalRate", .double(p.optionsNotionalLiquidationRate)),
                ("optionsValueRate", .double(p.optionsValueLiquidationRate)),
            ])),
            ("initialToMaintenance", .double(p.initialToMaintenance)), ("takeoverRatio", .double(p.takeoverRatio)),
            ("correlationMode", .string(p.correlationMode.rawValue)),
            ("correlationStress", .double(p.correlationStress)), ("minVol", .double(p.minVol)),
        ])
    }

    static func parameters(_ node: JSONNode) throws(EngineError) -> RiskParameters {
        try decode { () throws(InputError) in try RiskParameters(json: node) }
    }

    // MARK: Correlations

    /// A correlation table in the format of `market.json`'s `correlations`: `[{"pair": [a, b], "rho": ρ}]`, pairs
    /// sorted (the table's canonical order).
    static func encode(_ table: CorrelationTable) -> JSONValue {
        .array(table.pairs.map { a, b, rho in
            object([("pair", .array([.string(a), .string(b)])), ("rho", .double(rho))])
        })
    }

    /// Decodes a correlation table. Checks the shape only (two names per pair, each pair once); the values are
    /// validated by the engine (``EngineCore``) before the event is journaled.
    static func correlations(_ node: JSONNode) throws(EngineError) -> CorrelationTable {
        try decode { () throws(InputError) -> CorrelationTable in
            var table = CorrelationTable()
            var seen = Set<String>()
            for entry in try node.array() {
                let pairNode = try entry.required("pair")
                let names = try pairNode.array().map { (n) throws(InputError) in try n.string() }
                guard names.count == 2 else {
                    throw InputError.invalid(path: pairNode.path, reason: "must name two underlyings")
                }
                guard seen.insert(names.sorted().joined(separator: "|")).inserted else {
                    throw InputError.invalid(path: pairNode.path, reason: "pair \(names[0])/\(names[1]) is listed twice")
                }
                table.set(names[0], names[1], rho: try entry.required("rho").double())
            }
            return table
        }
    }

    // MARK: Vol quotes

    static func encode(_ surface: [VolQuote]) -> JSONValue {
        .array(surface.map { q in
            object([("expiry", instant(q.expiry)), ("strikes", doubles(q.strikes)), ("vols", doubles(q.vols))])
        })
    }

    static func surface(_ node: JSONNode) throws(EngineError) -> [VolQuote] {
        try decode { () throws(InputError) -> [VolQuote] in
            try node.array().map { (q) throws(InputError) -> VolQuote in
                let strikesNode = try q.required("strikes")
                let strikes = try strikesNode.array().map { (x) throws(InputError) in try x.positiveDouble() }
                let vols = try q.required("vols").array().map { (x) throws(InputError) in try x.positiveDouble() }
                guard strikes.count == vols.count, !strikes.isEmpty else {
                    throw InputError.invalid(path: strikesNode.path, reason: "strikes and vols must be non-empty and equally long")
                }
                return VolQuote(expiry: try q.required("expiry").instant(), strikes: strikes, vols: vols)
            }
        }
    }

    static func encode(forwards: [Instant: Double]) -> JSONValue {
        object(forwards.map { ($0.key.iso8601, JSONValue.double($0.value)) })
    }

    static func forwards(_ node: JSONNode) throws(EngineError) -> [Instant: Double] {
        try decode { () throws(InputError) -> [Instant: Double] in
            var out: [Instant: Double] = [:]
            for (key, value) in try node.object() {
                guard let t = Instant(iso8601: key) else {
                    throw InputError.invalid(path: value.path, reason: "key is not an ISO-8601 instant")
                }
                out[t] = try value.positiveDouble()
            }
            return out
        }
    }
}
