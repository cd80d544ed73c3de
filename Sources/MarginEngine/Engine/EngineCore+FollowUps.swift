import MarginLedger
import MarginCore

/// Where an event the engine owes the journal comes from (``EngineCore/nextFollowUps(skipping:)``), in the order
/// they are asked.
package enum FollowUpSource: Hashable, Sendable, CaseIterable {
    /// The dynamic correlation table (``EngineCore/pendingCorrelationUpdate()``): one event.
    case correlationTable
    /// The liquidation planner (``EngineCore/liquidationActions()``): a list, each planned on the state the ones
    /// before it leave.
    case liquidation
}

/// Events the engine owes the journal, from one source (``EngineCore/nextFollowUps(skipping:sliceLimit:)``).
package struct FollowUpList: Sendable {
    package var source: FollowUpSource
    /// In the order to journal them, each planned on the state the ones before it leave.
    package var events: [EngineEvent]
    /// The liquidation round to resume once every event is journaled (liquidation lists only).
    var round: LiquidationRound?
}

extension EngineCore {
    /// The events the engine itself owes the journal now, given the journaled state and the margins computed from
    /// it, from the first source (in ``FollowUpSource`` order, `skipping` excepted) that has any: a due correlation
    /// table (alone), else the next slice of liquidation actions (``liquidationSlice(limit:)``: at most
    /// `sliceLimit` actions: margin calls, steps, ends, takeovers with their deleverage fills, alerts). `nil` when
    /// nothing is due (the liquidation round is then over).
    ///
    /// The driver (``RiskEngine``) asks after every committed event, in the same turn, and journals what it gets in
    /// order, each through prepare → append → commit like any event, then calls ``adoptFollowUps(_:)`` and asks
    /// again until `nil` (or until its budget ends the turn between slices: the round resumes at the next ask if
    /// nothing else was journaled). A list is planned as a whole: when one of its events is rejected the rest is
    /// dropped (not adopted) and the driver asks again (a source whose *first* event is rejected would propose it
    /// again unchanged, so the driver skips that source for the rest of its turn). The decisions read only
    /// journaled state (the engine's time is journal time), so replay applies the journaled results and never
    /// decides again.
    package func nextFollowUps(skipping: Set<FollowUpSource> = [], sliceLimit: Int = .max) -> FollowUpList? {
        for source in FollowUpSource.allCases where !skipping.contains(source) {
            switch source {
            case .correlationTable:
                if let update = pendingCorrelationUpdate() { return FollowUpList(source: source, events: [update]) }
            case .liquidation:
                let slice = liquidationSlice(limit: sliceLimit)
                if !slice.events.isEmpty {
                    return FollowUpList(source: source, events: slice.events, round: slice.round)
                }
                liquidationRound = nil
            }
        }
        return nil
    }

    /// Records that every event of `list` was journaled: a liquidation list's round resumes after it at the next
    /// ``nextFollowUps(skipping:sliceLimit:)``, unless another event is journaled first.
    package func adoptFollowUps(_ list: FollowUpList) {
        guard var round = list.round else { return }
        round.sequence = state.sequence
        liquidationRound = round
    }
}
