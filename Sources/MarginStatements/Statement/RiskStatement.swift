import MarginCore

/// A signed risk statement of one account, which anyone can recompute from what it discloses:
///
/// `{"type": "riskStatement", "version": 1, "venue": V, "sequence": "N", "valuationTime": T, "account": A,
///   "market": <market file format>, "parameters": <parameter file format>, "portfolio": <portfolio file format>,
///   "result": <margin compute --format json's shape>, "signature": …}`
///
/// Numbers that are money are decimal strings (RFC 8785 keeps JSON numbers to doubles): in `portfolio` the balances,
/// `quantity`, `notionalUSD` and `entryPrice`; in `result` every number (USD amounts, risk arrays, scenario moves;
/// each the ECMAScript text of the `Double` computed, so it parses back to the same `Double`). `sequence` is a
/// decimal string. `market` and `parameters` keep JSON numbers (prices, vols, shocks), in their files' formats.
///
/// The `result` is the reference model's (``MarginCalculator``) on the disclosed inputs as they read back from
/// the statement, so a verifier with the same build recomputes it bit for bit (and within 1e-9 relative on others).
public enum RiskStatement {
    /// The members of `portfolio` that are money, written as decimal strings.
    static let portfolioMoney: Set<String> = ["quantity", "notionalUSD", "entryPrice"]

    /// Makes and signs the statement of `portfolio` under `market` and `parameters`.
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` naming the input (`$.market…`, `$.portfolio…`) that does
    ///   not read back or cannot be margined (fail closed: no statement of a risk that cannot be computed).
    public static func make(venue: String, sequence: UInt64, valuationTime: Instant, market: JSONValue,
                            parameters: JSONValue, portfolio: Portfolio, key: VenueKey) throws(StatementError)
        -> JSONValue
    {
        let disclosed = moneyAsStrings(portfolio: portfolio.json)
        let result = try recompute(market: market, parameters: parameters, portfolio: disclosed)
        let object = JSONValue.object([
            ("type", .string("riskStatement")), ("version", .double(1)), ("venue", .string(venue)),
            ("sequence", .string(String(sequence))), ("valuationTime", .instant(valuationTime)),
            ("account", .string(portfolio.account)), ("market", market), ("parameters", parameters),
            ("portfolio", disclosed), ("result", numbersAsStrings(result)),
        ])
        return try Signature.sign(object, with: key)
    }

    /// What a verified statement says.
    public struct Verified: Sendable {
        public var venue: String
        public var account: String
        public var sequence: UInt64
        public var valuationTime: Instant
        public var market: MarketSnapshot
        public var parameters: RiskParameters
        public var portfolio: Portfolio
        /// USD.
        public var maintenanceMargin: Double
        public var initialMargin: Double
        public var equity: Double
    }

    /// Verifies `statement`: its signature by `key`, then recomputes every number of `result` from the disclosed
    /// market, parameters and portfolio.
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` for a statement not of the format;
    ///   ``StatementError/invalid(path:reason:)`` for a bad signature, or naming the first `result` field that differs
    ///   from the recomputation beyond `tolerance` relative (or a field missing, added, or of another type).
    public static func verify(_ statement: JSONValue, key: PublicJWK, tolerance: Double = 1e-9)
        throws(StatementError) -> Verified
    {
        let o = StatementObject(statement, path: "$")
        try o.expectType("riskStatement")
        let venue = try o.string("venue")
        let sequence = try o.unsigned("sequence")
        let account = try o.string("account")
        let timeText = try o.string("valuationTime")
        guard let valuationTime = try? JSONNode(.string(timeText), path: "$.valuationTime").instant() else {
            throw .malformed(path: "$.valuationTime", reason: "must be an ISO 8601 instant")
        }
        let market = try o.member("market")
        let parameters = try o.member("parameters")
        let portfolio = try o.member("portfolio")
        let stated = try o.member("result")
        try Signature.verify(statement, key: key)
        let inputs = try decode(market: market, parameters: parameters, portfolio: portfolio)
        guard inputs.portfolio.account == account else {
            throw .invalid(path: "$.portfolio.account", reason: "\(inputs.portfolio.account) is not the statement's account \(account)")
        }
        let recomputed = try recompute(market: market, parameters: parameters, portfolio: portfolio)
        try compare(stated, recomputed, path: "$.result", tolerance: tolerance)
        func figure(_ name: String) -> Double {
            if case .object(let pairs) = recomputed, case .number(let d, _)? = pairs.first(where: { $0.key == name })?.value {
                return d
            }
            return .nan
        }
        return Verified(venue: venue, account: account, sequence: sequence, valuationTime: valuationTime,
                        market: inputs.market, parameters: inputs.parameters, portfolio: inputs.portfolio,
                        maintenanceMargin: figure("maintenanceMargin"), initialMargin: figure("initialMargin"),
                        equity: figure("equity"))
    }

    /// The reference model's result (as numbers) on the disclosed inputs.
    static func recompute(market: JSONValue, parameters: JSONValue, portfolio: JSONValue) throws(StatementError)
        -> JSONValue
    {
        let inputs = try decode(market: market, parameters: parameters, portfolio: portfolio)
        do {
            return try MarginCalculator(parameters: inputs.parameters)
                .margin(of: inputs.portfolio, market: inputs.market).json
        } catch {
            throw .malformed(path: "$.portfolio", reason: "cannot be margined: \(error)")
        }
    }

    /// The disclosed inputs as the core reads them (the portfolio's money strings read back as numbers).
    static func decode(market: JSONValue, parameters: JSONValue, portfolio: JSONValue) throws(StatementError)
        -> (market: MarketSnapshot, parameters: RiskParameters, portfolio: Portfolio)
    {
        let snapshot: MarketSnapshot
        do { snapshot = try MarketSnapshot(json: JSONNode(market, path: "$.market")) } catch {
            throw .malformed(path: "$.market", reason: "\(error)")
        }
        let risk: RiskParameters
        do { risk = try RiskParameters(json: JSONNode(parameters, path: "$.parameters")) } catch {
            throw .malformed(path: "$.parameters", reason: "\(error)")
        }
        let account: Portfolio
        do {
            account = try Portfolio(json: JSONNode(try moneyAsNumbers(portfolio: portfolio), path: "$.portfolio"))
            try account.validate(against: snapshot)
        } catch let error as StatementError {
            throw error
        } catch {
            throw .malformed(path: "$.portfolio", reason: "\(error)")
        }
        return (snapshot, risk, account)
    }

    // MARK: Money as strings

    /// A portfolio file's JSON with its balances and the positions' money members as decimal strings.
    static func moneyAsStrings(portfolio: JSONValue) -> JSONValue {
        guard case .object(let pairs) = portfolio else { return portfolio }
        return .object(pairs.map { key, value in
            switch (key, value) {
            case ("balances", .object(let balances)):
                return (key, .object(balances.map { ($0.key, numbersAsStrings($0.value)) }))
            case ("positions", .array(let positions)):
                return (key, .array(positions.map { p in
                    guard case .object(let fields) = p else { return p }
                    return .object(fields.map { portfolioMoney.contains($0.key) ? ($0.key, numbersAsStrings($0.value)) : $0 })
                }))
            default: return (key, value)
            }
        })
    }

    /// The inverse of ``moneyAsStrings(portfolio:)``: a money member must be a decimal string.
    static func moneyAsNumbers(portfolio: JSONValue) throws(StatementError) -> JSONValue {
        guard case .object(let pairs) = portfolio else { throw .malformed(path: "$.portfolio", reason: "must be an object") }
        var out: [(key: String, value: JSONValue)] = []
        for (key, value) in pairs {
            switch (key, value) {
            case ("balances", .object(let balances)):
                var b: [(key: String, value: JSONValue)] = []
                for (currency, amount) in balances {
                    b.append((currency, try number(amount, path: "$.portfolio.balances.\(currency)")))
                }
                out.append((key, .object(b)))
            case ("positions", .array(let positions)):
                var ps: [JSONValue] = []
                for (i, p) in positions.enumerated() {
                    guard case .object(let fields) = p else { ps.append(p); continue }
                    var f: [(key: String, value: JSONValue)] = []
                    for (k, v) in fields {
                        f.append((k, portfolioMoney.contains(k) ? try number(v, path: "$.portfolio.positions[\(i)].\(k)") : v))
                    }
                    ps.append(.object(f))
                }
                out.append((key, .array(ps)))
            default: out.append((key, value))
            }
        }
        return .object(out)
    }

    /// Every number in `value` as the decimal string of its `Double` (``ECMAScriptNumber``).
    static func numbersAsStrings(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let d, _): return .string(ECMAScriptNumber.text(d) ?? "NaN")
        case .array(let items): return .array(items.map(numbersAsStrings))
        case .object(let pairs): return .object(pairs.map { ($0.key, numbersAsStrings($0.value)) })
        default: return value
        }
    }

    private static func number(_ value: JSONValue, path: String) throws(StatementError) -> JSONValue {
        guard case .string(let text) = value, let d = decimal(text) else {
            throw .malformed(path: path, reason: "must be a decimal string")
        }
        return .number(d, literal: text)
    }

    /// A decimal string's `Double` (JSON number syntax only: no `nan`, `inf`, hex or leading `+`).
    static func decimal(_ text: String) -> Double? {
        guard let node = try? JSONNode.parse(text), case .number(let d, _) = node.value else { return nil }
        return d
    }

    /// Compares a stated result (numbers as strings) with the recomputed one (numbers), naming the first difference.
    static func compare(_ stated: JSONValue, _ computed: JSONValue, path: String, tolerance: Double)
        throws(StatementError)
    {
        switch (stated, computed) {
        case (.string(let text), .number(let x, _)):
            guard let s = decimal(text) else { throw .invalid(path: path, reason: "\"\(text)\" is not a decimal string") }
            let scale = max(abs(s), abs(x))
            guard s == x || abs(s - x) <= tolerance * scale else {
                throw .invalid(path: path, reason: "states \(text), recomputed \(ECMAScriptNumber.text(x) ?? "\(x)")")
            }
        case (.array(let a), .array(let b)):
            guard a.count == b.count else {
                throw .invalid(path: path, reason: "states \(a.count) elements, recomputed \(b.count)")
            }
            for (i, (x, y)) in zip(a, b).enumerated() { try compare(x, y, path: "\(path)[\(i)]", tolerance: tolerance) }
        case (.object(let a), .object(let b)):
            for (key, y) in b {
                guard let x = a.first(where: { $0.key == key })?.value else {
                    throw .invalid(path: "\(path).\(key)", reason: "missing from the statement")
                }
                try compare(x, y, path: "\(path).\(key)", tolerance: tolerance)
            }
            if let extra = a.first(where: { k in !b.contains { $0.key == k.key } }) {
                throw .invalid(path: "\(path).\(extra.key)", reason: "not part of the recomputed result")
            }
        default:
            guard stated == computed else {
                throw .invalid(path: path, reason: "states \(stated.serialized()), recomputed \(computed.serialized())")
            }
        }
    }
}
