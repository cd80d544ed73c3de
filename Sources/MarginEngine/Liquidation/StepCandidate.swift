import Foundation
import MarginCore
import MarginLedger

/// One candidate step of partial reduction, with what ranks it.
struct StepCandidate {
    var step: LiquidationStep
    /// The account's position in the step's instrument after it (0: closed) and its balances after it (fee, premium
    /// and realized P&L booked), what its exact MM after is computed from.
    var quantityAfter: Decimal
    var balancesAfter: [String: Decimal]
    /// MM removed, USD (> 0).
    var removed: Double
    /// Slippage against the mark plus the liquidation fee, USD (≥ 0).
    var cost: Double

    /// The choice rule (docs/LIQUIDATION.md, "The choice rule"): most MM removed per unit of execution cost; a
    /// costless step first; ties by more MM removed, then instrument id, then a reduction before a hedge.
    func ranks(before other: StepCandidate) -> Bool {
        if let figures = Self.figuresRank(removed, cost, before: other.removed, other.cost) { return figures }
        if step.instrument != other.step.instrument { return step.instrument < other.step.instrument }
        return step.action == .reduce && other.step.action == .hedge
    }

    /// The choice rule on the figures alone: whether (`removed`, `cost`) ranks before (`otherRemoved`,
    /// `otherCost`); `nil` when they tie (the ids decide).
    static func figuresRank(_ removed: Double, _ cost: Double, before otherRemoved: Double,
                            _ otherCost: Double) -> Bool? {
        let free = cost <= 0
        let otherFree = otherCost <= 0
        if free != otherFree { return free }
        if !free {
            let a = removed / cost
            let b = otherRemoved / otherCost
            if a != b { return a > b }
        }
        if removed != otherRemoved { return removed > otherRemoved }
        return nil
    }
}

/// A candidate order's figures from the planner's screen (``LiquidationPlanner/screen(_:_:_:_:_:_:)``): its fills,
/// fee and MM after computed in `Double` (the ledger's own formulas, ``BookingArithmetic``), within tolerances of
/// what booking it exactly gives. The planner books exactly only the screened orders that may still rank before
/// the best one booked so far (``may(rankBefore:)``), so its choice is the choice over every order booked exactly.
struct ScreenedOrder {
    /// The order's index in the planner's list of candidate orders.
    var order: Int
    var instrument: String
    /// MM removed, USD (may be ≤ 0 within the tolerance), and the cost, USD.
    var removed: Double
    var cost: Double
    /// Bounds on |screened − exact|, USD: `10⁻⁸·(MM + 1)` for the MM removed, `10⁻⁹·(cost + 1)` for the cost.
    /// The screen differs from exact booking by binary rounding of a few dozen operations (about 10⁻¹⁵ relative),
    /// so these bounds hold with a margin of orders of magnitude.
    var removedTolerance: Double
    var costTolerance: Double

    /// Whether this order, booked exactly, may rank before `best` (a booked candidate): its most favourable exact
    /// figures (the removal raised and the cost lowered by their tolerances) do not rank after `best`'s. A tie on
    /// the figures counts as may (the ids decide, on exact figures).
    func may(rankBefore best: StepCandidate) -> Bool {
        let removed = self.removed + removedTolerance
        let cost = self.cost - costTolerance > 0 ? self.cost - costTolerance : 0
        return StepCandidate.figuresRank(removed, cost, before: best.removed, best.cost) ?? true
    }

    /// The screen's own order (its figures, then instrument id), in which orders are booked.
    func ranks(before other: ScreenedOrder) -> Bool {
        if let figures = StepCandidate.figuresRank(removed, cost, before: other.removed, other.cost) { return figures }
        return instrument != other.instrument ? instrument < other.instrument : order < other.order
    }
}
