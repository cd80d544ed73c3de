import Foundation
import MarginCore
import MarginLedger

extension RiskBook {
    /// One side of a trade under ``PreTradeRule`` (`nil`: accepted), on the side's hypothetical margin before and
    /// after it: the one check of "may this side trade", for validation and the liquidation planner alike.
    ///
    /// Fail closed: when the account's risk is unavailable before or after the trade, only a trade that reduces an
    /// existing position without flipping it is accepted; anything else is ``EngineError/riskUnavailable``.
    func sideCheck(_ name: String, instrument id: String, delta: Decimal, before: AccountState,
                   after: AccountState) -> EngineError? {
        sideCheck(name, instrument: id, delta: delta, before: before, beforeMargin: hypothetical(before),
                  afterMargin: hypothetical(after))
    }

    /// ``sideCheck(_:instrument:delta:before:after:)`` on margins already computed (`b` of `before`, `a` of the
    /// ledger after the trade).
    func sideCheck(_ name: String, instrument id: String, delta: Decimal, before: AccountState,
                   beforeMargin b: AccountMargin, afterMargin a: AccountMargin) -> EngineError? {
        if let unpriced = b.unpricedInstrument ?? a.unpricedInstrument {
            let old = before.positions[id]?.quantity ?? 0
            let reduces = old != 0 && (old > 0) != (delta > 0) && abs(delta) <= abs(old)
            return reduces ? nil : .riskUnavailable(account: name, instrument: unpriced)
        }
        return Self.ruleCheck(name, before: b, after: a)
    }

    /// ``PreTradeRule`` on margins before and after a change (`nil`: accepted).
    static func ruleCheck(_ name: String, before b: AccountMargin, after m: AccountMargin) -> EngineError? {
        let decision = PreTradeRule.evaluate(before: b.figures, after: m.figures)
        return decision.accepted ? nil
            : .belowInitialMargin(account: name, equity: m.equity, initialMargin: m.initialMargin)
    }
}
