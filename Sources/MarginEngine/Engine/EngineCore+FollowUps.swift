import MarginCore

extension EngineCore {
    /// The next event the engine itself owes the journal now, given the journaled state: the dynamic correlation
    /// table when one is due (``pendingCorrelationUpdate()``). The driver (``RiskEngine``) submits it after every
    /// committed event, in the same turn, until there is none: the decision reads only journaled state, so replay
    /// applies the journaled result and never decides again.
    package func nextFollowUp() -> EngineEvent? {
        pendingCorrelationUpdate()
    }
}
