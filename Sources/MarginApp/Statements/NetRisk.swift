import Foundation
import MarginCore
import MarginStatements

/// `margin aggregate`: net risk across venues. Verifies each venue's signed statement (``RiskStatement/verify(_:key:tolerance:)``,
/// the key chosen by the statement's `kid`), margins the union of the disclosed portfolios under one market and one
/// parameter set with the reference model, and reports what netting the books would free.
///
/// The market is the one given, or the statements' own when their valuation times agree within a minute (each
/// underlying from the latest statement that discloses it, valued at the latest time); the parameters are the ones
/// given, or the statements' when they all agree. USD throughout.
public struct NetRisk: Sendable {
    public struct Venue: Sendable {
        public var venue: String
        public var account: String
        /// The statement's (recomputed) maintenance margin, USD.
        public var maintenanceMargin: Double
    }

    public var venues: [Venue]
    /// Σ of the venues' maintenance margins, USD.
    public var sumOfMaintenanceMargins: Double
    /// The maintenance margin of the union of the books under one market, USD.
    public var nettedMaintenanceMargin: Double
    /// `sumOfMaintenanceMargins − nettedMaintenanceMargin`, USD (what a lender or prime broker netting the books
    /// would not need to hold).
    public var capitalFreed: Double { sumOfMaintenanceMargins - nettedMaintenanceMargin }

    /// Verifies and nets `statements`.
    ///
    /// - Throws: ``NetRiskFailure`` naming the statement (its position in the list) and why.
    public static func aggregate(statements: [JSONValue], keys: [PublicJWK], market: MarketSnapshot? = nil,
                                 parameters: RiskParameters? = nil) throws(NetRiskFailure) -> NetRisk {
        guard !statements.isEmpty else { throw .input("no statements") }
        var verified: [RiskStatement.Verified] = []
        for (i, statement) in statements.enumerated() {
            guard let kid = Signature.keyID(of: statement) else {
                throw .statement(i, .malformed(path: "$.signature.kid", reason: "missing"))
            }
            guard let key = keys.first(where: { $0.kid == kid }) else {
                throw .statement(i, .invalid(path: "$.signature.kid", reason: "no --jwk with key id \(kid) was given"))
            }
            do throws(StatementError) { verified.append(try RiskStatement.verify(statement, key: key)) } catch {
                throw .statement(i, error)
            }
        }
        let union = try unionMarket(verified, given: market)
        let risk: RiskParameters
        if let parameters { risk = parameters } else { risk = try commonParameters(verified) }
        var book = Portfolio(account: "netted")
        for s in verified {
            for (currency, amount) in s.portfolio.balances { book.balances[currency, default: 0] += amount }
            book.positions += s.portfolio.positions
        }
        let netted: Double
        do {
            try book.validate(against: union)
            netted = try MarginCalculator(parameters: risk).margin(of: book, market: union, explain: false).maintenanceMargin
        } catch {
            throw .input("the union of the books cannot be margined under the market: \(error)")
        }
        let venues = verified.map { Venue(venue: $0.venue, account: $0.account, maintenanceMargin: $0.maintenanceMargin) }
        return NetRisk(venues: venues, sumOfMaintenanceMargins: venues.reduce(0) { $0 + $1.maintenanceMargin },
                       nettedMaintenanceMargin: netted)
    }

    static func unionMarket(_ statements: [RiskStatement.Verified], given: MarketSnapshot?) throws(NetRiskFailure)
        -> MarketSnapshot
    {
        if let given { return given }
        let times = statements.map(\.valuationTime)
        guard let first = times.min(), let last = times.max() else { throw .input("no statements") }
        let spread = Double(last.nanosecondsSinceEpoch - first.nanosecondsSinceEpoch) / 1e9
        guard spread <= 60 else {
            throw .input(String(format: "the statements' valuation times differ by %.0f s (more than a minute): give "
                                + "--market to value every book under one market", spread))
        }
        var underlyings: [String: UnderlyingMarket] = [:]
        var correlations = CorrelationTable()
        for s in statements.sorted(by: { $0.valuationTime < $1.valuationTime }) {
            for (name, u) in s.market.underlyings { underlyings[name] = u }
            if !s.market.correlations.pairs.isEmpty { correlations = s.market.correlations }
        }
        return MarketSnapshot(valuationTime: last, underlyings: underlyings, correlations: correlations)
    }

    static func commonParameters(_ statements: [RiskStatement.Verified]) throws(NetRiskFailure) -> RiskParameters {
        let first = statements[0].parameters
        guard statements.allSatisfy({ $0.parameters == first }) else {
            throw .input("the statements disclose different parameters: give --parameters to margin the union under one set")
        }
        return first
    }
}

/// Why statements could not be netted.
public enum NetRiskFailure: Error, CustomStringConvertible, Sendable {
    /// Statement `index` (0-based, in the order given) did not verify or is malformed.
    case statement(Int, StatementError)
    case input(String)

    public var description: String {
        switch self {
        case .statement(let i, let e): return "statement \(i + 1): \(e)"
        case .input(let why): return why
        }
    }

    /// 1 when a statement is invalid, 2 when an input is malformed.
    public var exitCode: Int32 {
        if case .statement(_, let e) = self, !e.isMalformed { return 1 }
        return 2
    }
}

extension NetRisk {
    /// `{"venues": [{"venue", "account", "maintenanceMargin"}], "sumOfMaintenanceMargins", "nettedMaintenanceMargin",
    /// "capitalFreed"}`, USD as JSON numbers.
    public var json: JSONValue {
        .object([
            ("venues", .array(venues.map { v in
                .object([("venue", .string(v.venue)), ("account", .string(v.account)),
                         ("maintenanceMargin", .double(v.maintenanceMargin))])
            })),
            ("sumOfMaintenanceMargins", .double(sumOfMaintenanceMargins)),
            ("nettedMaintenanceMargin", .double(nettedMaintenanceMargin)),
            ("capitalFreed", .double(capitalFreed)),
        ])
    }

    /// The table `margin aggregate` prints.
    public func table() -> String {
        var lines = ["venue                account                maintenance margin (USD)"]
        for v in venues {
            lines.append(v.venue.padding(toLength: 20, withPad: " ", startingAt: 0) + " "
                         + v.account.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                         + formatMoney(v.maintenanceMargin))
        }
        lines.append("sum of the venues' maintenance margins      " + formatMoney(sumOfMaintenanceMargins))
        lines.append("maintenance margin of the netted books      " + formatMoney(nettedMaintenanceMargin))
        lines.append("capital freed by netting                    " + formatMoney(capitalFreed))
        return lines.joined(separator: "\n")
    }

    private func formatMoney(_ x: Double) -> String { String(format: "%24.2f", x) }
}
