import Foundation

extension EngineState {
    /// The state at the end of `store`'s journal: its latest snapshot (or `genesis`) and every record after it,
    /// applied in order; no margin is computed and nothing is written (what
    /// ``EngineCore/init(store:genesis:snapshotGenesis:)`` replays, for readers such as the ledger export).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)``.
    public static func recovered(from store: any JournalStore, genesis: EngineState = EngineState()) throws(EngineError)
        -> EngineState
    {
        var state = genesis
        if let snapshot = try store.latestSnapshot() {
            do { state = try EngineState(payload: snapshot.payload) } catch {
                throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot: \(error)")
            }
        }
        for record in try store.allRecords(after: state.sequence) {
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
        return state
    }
}
