import MarginLedger
import Foundation
import Synchronization

/// At most one background snapshot at a time (shared by the engine, which starts them, and the snapshot thread,
/// which ends them).
final class BackgroundSnapshots: Sendable {
    let inFlight = Atomic<Bool>(false)
}

extension RiskEngine {
    /// Writes a snapshot of the current state: takes its turn (no event in flight), encodes the state on the
    /// engine's thread (it waits meanwhile), then stores it while events go on.
    @discardableResult
    public func writeSnapshot() async throws(EngineError) -> SnapshotReport {
        await takeTurn()
        let encoded = EncodedSnapshot(core.state)
        passTurn()
        return try await encoded.save(to: store)
    }

    /// Starts a snapshot of the state as of now in the background and returns at once, so that the engine keeps
    /// processing events: ``state`` is a value, so the copy taken here costs O(1) (copy-on-write) and later
    /// events do not change it. It is encoded on a thread of its own at a lower priority than the engine's (never
    /// on the cooperative pool) and stored through the store's asynchronous API. With SQLite, large snapshots are
    /// stored in parts that journal appends interleave with; PostgreSQL stores them on a second connection.
    ///
    /// - Parameter completion: called with the report or the storage error (a failed snapshot does not fault the
    ///   engine: the journal is the record).
    /// - Returns: `false` (and does nothing) while the previous background snapshot is still running.
    @discardableResult
    public func writeSnapshotInBackground(
        completion: @escaping @Sendable (Result<SnapshotReport, EngineError>) -> Void = { _ in }
    ) -> Bool {
        guard !snapshots.inFlight.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let state = core.state
        let store = self.store
        let snapshots = self.snapshots
        let thread = Thread {
            EncodedSnapshot.lowerThreadPriority()
            let encoded = EncodedSnapshot(state)
            Task(priority: .background) {
                let result: Result<SnapshotReport, EngineError>
                do throws(EngineError) {
                    result = .success(try await encoded.save(to: store))
                } catch {
                    result = .failure(error)
                }
                snapshots.inFlight.store(false, ordering: .releasing)
                completion(result)
            }
        }
        thread.name = "margin-snapshot"
        thread.start()
        return true
    }

    /// Whether a background snapshot is running.
    public nonisolated var isWritingSnapshot: Bool { snapshots.inFlight.load(ordering: .acquiring) }
}
