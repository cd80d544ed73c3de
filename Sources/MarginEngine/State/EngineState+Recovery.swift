import Foundation

extension EngineState {
    /// The state at the end of `store`'s journal: its latest snapshot (or `genesis`) and every record after it,
    /// applied in order (``EngineCore/replay(_:onto:)``, read in pages); no margin is computed and nothing is
    /// written (what ``RiskEngine/open(store:genesis:snapshotGenesis:faultPolicy:)`` recovers, for readers such as
    /// the ledger export, on a store opened read-only).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)``.
    public static func recovered(from store: any JournalStore,
                                 genesis: EngineState = EngineState()) async throws(EngineError) -> EngineState {
        var state = genesis
        if let snapshot = try await store.latestSnapshot() { state = try EngineCore.state(from: snapshot) }
        while true {
            let page = try await store.records(after: state.sequence, limit: 10_000)
            try EngineCore.replay(page, onto: &state)
            if page.count < 10_000 { break }
        }
        return state
    }
}
