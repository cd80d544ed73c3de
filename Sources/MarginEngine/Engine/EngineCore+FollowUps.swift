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

extension EngineCore {
    /// The events the engine itself owes the journal now, given the journaled state and the margins computed from
    /// it, from the first source (in ``FollowUpSource`` order, `skipping` excepted) that has any: a due correlation
    /// table (alone), else the liquidation actions due (margin calls, steps, ends, takeovers with their deleverage
    /// fills, alerts). `nil` when nothing is due.
    ///
    /// The driver (``RiskEngine``) asks after every committed event, in the same turn, and journals what it gets in
    /// order, each through prepare → append → commit like any event, then asks again until `nil`. A list is planned
    /// as a whole: when one of its events is rejected the rest is dropped and the driver asks again (a source whose
    /// *first* event is rejected would propose it again unchanged, so the driver skips that source for the rest of
    /// its turn). The decisions read only journaled state (the engine's time is journal time), so replay applies the
    /// journaled results and never decides again.
    ///
    /// `untilFirstOrder`: the liquidation list ends at its first order (what the driver asks for until it has
    /// journaled one in the turn: the breach's first order waits for one account's step only).
    package func nextFollowUps(skipping: Set<FollowUpSource> = [], untilFirstOrder: Bool = false)
        -> (source: FollowUpSource, events: [EngineEvent])?
    {
        for source in FollowUpSource.allCases where !skipping.contains(source) {
            let events: [EngineEvent]
            switch source {
            case .correlationTable: events = pendingCorrelationUpdate().map { [$0] } ?? []
            case .liquidation: events = liquidationActions(untilFirstOrder: untilFirstOrder)
            }
            if !events.isEmpty { return (source, events) }
        }
        return nil
    }
}
