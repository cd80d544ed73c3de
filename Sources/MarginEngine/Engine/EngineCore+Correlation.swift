import MarginCore

extension EngineCore {
    /// The `correlations` event the dynamic table calls for now (``EngineState/pendingCorrelationUpdate()``), or
    /// `nil`. Synchronous and pure: the driver calls it after each market event (or batch) and submits what it
    /// returns like any other event, so the table, its provenance and its timing are journaled and replay exactly.
    public func pendingCorrelationUpdate() -> EngineEvent? { state.pendingCorrelationUpdate() }

    /// Submits ``pendingCorrelationUpdate()`` if there is one (for drivers that call
    /// ``submit(_:reportAfter:onPriorityDone:)`` directly: the CLI loop and the tests).
    ///
    /// - Returns: the acknowledgement of the journaled `correlations` event, or `nil` when none was due.
    @discardableResult
    public func submitPendingCorrelationUpdate() throws(EngineError) -> Acknowledgement? {
        guard let event = pendingCorrelationUpdate() else { return nil }
        return try submit(event)
    }
}
