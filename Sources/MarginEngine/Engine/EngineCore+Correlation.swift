import MarginLedger
import MarginCore

extension EngineCore {
    /// The `correlations` event the dynamic table calls for now (``EngineState/pendingCorrelationUpdate()``), or
    /// `nil`. Synchronous and pure: the driver calls it after each market event (or batch) and submits what it
    /// returns like any other event, so the table, its provenance and its timing are journaled and replay exactly.
    package func pendingCorrelationUpdate() -> EngineEvent? { state.pendingCorrelationUpdate() }
}
