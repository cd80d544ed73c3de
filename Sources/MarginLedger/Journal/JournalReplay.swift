import MarginCore

// Rebuilding a state from the journal: its latest snapshot (or a genesis) and every record after it, applied in
// order through the same ``EngineState/apply(_:)`` as live events. No margin is computed and nothing is written.

extension EngineState {
    /// The state a snapshot holds.
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` when it does not decode or its sequence differs.
    package init(snapshot: SnapshotRecord) throws(EngineError) {
        do {
            self = try EngineState(payload: snapshot.payload)
        } catch {
            throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot: \(error)")
        }
        guard sequence == snapshot.sequence else {
            throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot sequence mismatch")
        }
    }

    /// Applies journal records that continue this state (recovery), through the same ``apply(_:)`` as live events.
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` for a gap or a record that does not decode (the
    ///   state then holds the records before it).
    package mutating func replay(_ records: [JournalRecord]) throws(EngineError) {
        for record in records {
            guard record.sequence == sequence + 1 else {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "gap after \(sequence)")
            }
            let event: EngineEvent
            do { event = try EngineEvent(payload: record.payload) } catch {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "\(error)")
            }
            apply(event)
            sequence = record.sequence
        }
    }

    /// Applies every record of `store`'s journal after this state's sequence, read in pages of 10,000.
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)``.
    package mutating func replayJournal(of store: any JournalStore) async throws(EngineError) {
        while true {
            let page = try await store.records(after: sequence, limit: Self.replayPage)
            try replay(page)
            if page.count < Self.replayPage { break }
        }
    }

    /// Records read per page while replaying.
    static let replayPage = 10_000

    /// The state at the end of `store`'s journal: its latest snapshot (or `genesis`) and every record after it
    /// (what the engine recovers when it opens, for readers such as the ledger export, on a store opened
    /// read-only).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)``.
    public static func recovered(from store: any JournalStore,
                                 genesis: EngineState = EngineState()) async throws(EngineError) -> EngineState {
        var state = genesis
        if let snapshot = try await store.latestSnapshot() { state = try EngineState(snapshot: snapshot) }
        try await state.replayJournal(of: store)
        return state
    }
}
