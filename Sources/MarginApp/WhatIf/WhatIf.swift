import MarginCore
import MarginVenues

/// The pre-trade check of one account: its margin before and after a prospective trade under the chosen preset,
/// and ``PreTradeRule``'s verdict (the same rule the engine applies to fills).
///
/// Pools: the rule is applied to every margin pool the trade changes, in the pool's own currency, and the trade is
/// accepted only when each of them accepts it. The reference model, SPAN and OKX have one USD pool (the account);
/// Deribit margins each settlement currency separately, so a trade that leaves the account as a whole above IM in
/// USD but one pool short is rejected there, as Deribit would. Pools the trade leaves unchanged are not checked (a
/// shortfall elsewhere does not block a trade that does not touch it).
public struct WhatIf: Sendable {
    /// The rule's verdict on one pool.
    public struct PoolCheck: Hashable, Sendable {
        public var currency: String
        /// The pool before and after, in `currency` (zero when the pool does not exist on that side).
        public var before: MarginFigures
        public var after: MarginFigures
        public var decision: PreTradeRule.Decision
    }

    public var account: String
    public var legs: [TradeLeg]
    /// The account's summary before and after, both in one currency (USD when the trade changes the preset's
    /// margin currency, e.g. a second Deribit pool).
    public var before: MarginSummary
    public var after: MarginSummary
    /// One check per pool the trade changes, by currency.
    public var pools: [PoolCheck]
    /// The verdict: the first rejecting pool's, else "covers IM" when every changed pool covers it, else
    /// "reduces risk".
    public var decision: PreTradeRule.Decision
    /// Whether the preset margins pools separately (Deribit): the front ends show the pools then.
    public var segregatedPools: Bool

    /// Checks `legs` against the account of `inputs`.
    ///
    /// - Parameter tradeLabel: what named the trade (`--trade t.json`), prefixed to errors of the merged account.
    /// - Throws: ``InputError`` when the traded account does not validate against the market (named under
    ///   `tradeLabel`) or cannot be margined.
    public static func evaluate(_ inputs: AccountInputs, legs: [TradeLeg], tradeLabel: String) throws(InputError)
        -> WhatIf
    {
        let traded = TradeLeg.apply(legs, to: inputs.portfolio)
        do {
            try traded.validate(against: inputs.market)
        } catch {
            throw error.prefixed(tradeLabel)
        }
        var before = try inputs.preset.summary(of: inputs.portfolio, market: inputs.market)
        var after = try inputs.preset.summary(of: traded, market: inputs.market)
        let checks = Self.poolChecks(before: before.pools, after: after.pools)
        if before.marginCurrency != after.marginCurrency {
            before = before.inUSD
            after = after.inUSD
        }
        let decision: PreTradeRule.Decision
        if checks.isEmpty {
            decision = PreTradeRule.evaluate(before: before.figures, after: after.figures)
        } else if let rejected = checks.first(where: { !$0.decision.accepted }) {
            decision = rejected.decision
        } else if checks.allSatisfy({ $0.decision.reason == .coversInitialMargin }) {
            decision = PreTradeRule.Decision(accepted: true, reason: .coversInitialMargin, shortfall: 0)
        } else {
            decision = PreTradeRule.Decision(accepted: true, reason: .reducesRisk, shortfall: 0)
        }
        var segregated = false
        if case .deribit = inputs.preset { segregated = true }
        return WhatIf(account: inputs.portfolio.account, legs: legs, before: before, after: after, pools: checks,
                      decision: decision, segregatedPools: segregated)
    }

    /// The rule applied to every pool whose figures differ before and after, by currency.
    static func poolChecks(before: [VenuePool], after: [VenuePool]) -> [PoolCheck] {
        let zero = MarginFigures(equity: 0, initialMargin: 0, maintenanceMargin: 0)
        var currencies: [String] = []
        for p in before + after where !currencies.contains(p.currency) { currencies.append(p.currency) }
        var checks: [PoolCheck] = []
        for c in currencies.sorted() {
            let b = before.first { $0.currency == c }?.figures ?? zero
            let a = after.first { $0.currency == c }?.figures ?? zero
            guard a != b else { continue }
            checks.append(PoolCheck(currency: c, before: b, after: a, decision: PreTradeRule.evaluate(before: b, after: a)))
        }
        return checks
    }

    /// The change of IM, in the summaries' currency.
    public var initialMarginChange: Double { after.initialMargin - before.initialMargin }
}
