import MarginLedger
import MarginCore

/// A liquidation round in progress across slices (docs/LIQUIDATION.md, "Slices"): where the planner resumes when
/// the engine asks for the next slice (``EngineCore/nextFollowUps(skipping:sliceLimit:)``).
///
/// A round begins after any event the round did not journal itself (a market update, a trade, a clock event): its
/// first slices end at their first order (the breach's first order waits for one account's step only); once an
/// order is journaled, it plans *passes*: the accounts due when a pass begins (most underwater first: cushion, then
/// name) are planned in that order, slice after slice, each slice resuming at the account where the last one
/// stopped, with the pass's skipped book levels; an exhausted pass that acted is followed by a new pass, and the
/// round ends with a pass that has nothing to do.
///
/// A slice ends only at an action boundary, and what a slice plans is what one plan of the whole pass would plan
/// from the same place (the state the previous slice journaled is the state the whole plan would have reached), so
/// the actions journaled do not depend on the slice limit nor on the time budget that ends a turn between slices
/// (`LiquidationSliceTests`). The round is kept in memory only: it is valid while the journal's last sequence is
/// the one its last slice left (``sequence``); any other event starts a new round, and so does a restart. Replay
/// applies the journaled actions and never plans.
package struct LiquidationRound: Sendable {
    /// Whether an order (a `liquidation` step or a `takeover`) has been journaled in this round: until then each
    /// slice ends at its first order.
    var ordered = false
    /// The accounts due when the current pass began, in planning order; `nil`: the next slice begins a pass.
    var queue: [String]?
    /// The index in ``queue`` of the account the next slice plans first (resumed where the last slice stopped).
    var next = 0
    /// Whether the current pass has planned any action.
    var passActed = false
    /// The book levels skipped in the current pass (their owner failed ``PreTradeRule``).
    var skipped: Set<LiquidationPlanner.LevelKey> = []
    /// The journal's sequence after the round's last slice (set when the slice is journaled).
    var sequence: UInt64 = 0
    /// The planner's scratch state after the last slice, every action of it applied: the journaled state but for
    /// the health changes journaled since (the planner reads health only for accounts whose risk is unavailable,
    /// which it leaves alone) and the sequence. The next slice plans on it instead of copying the journaled state
    /// again (a copy of every account's ledger per slice, milliseconds at 100,000 accounts).
    var scratch: EngineState?

    /// Takes ``scratch`` out (uniquely referenced, so that planning on it does not copy it).
    mutating func takeScratch() -> EngineState? {
        defer { scratch = nil }
        return scratch
    }

    package init() {}
}
