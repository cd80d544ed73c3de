extension EngineCore {
    /// The state a snapshot holds.
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` when it does not decode or its sequence differs.
    package static func state(from snapshot: SnapshotRecord) throws(EngineError) -> EngineState {
        let state: EngineState
        do {
            state = try EngineState(payload: snapshot.payload)
        } catch {
            throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot: \(error)")
        }
        guard state.sequence == snapshot.sequence else {
            throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot sequence mismatch")
        }
        return state
    }

    /// Applies journal records that continue `state` (recovery), through the same ``EngineState/apply(_:)`` as
    /// live events.
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` for a gap or a record that does not decode
    ///   (`state` then holds the records before it).
    package static func replay(_ records: [JournalRecord], onto state: inout EngineState) throws(EngineError) {
        for record in records {
            guard record.sequence == state.sequence + 1 else {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "gap after \(state.sequence)")
            }
            let event: EngineEvent
            do { event = try EngineEvent(payload: record.payload) } catch {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "\(error)")
            }
            state.apply(event)
            state.sequence = record.sequence
        }
    }
}
