import Foundation
import Synchronization

/// What a snapshot write measured.
public struct SnapshotReport: Hashable, Sendable {
    /// The journal sequence the snapshot is at.
    public var sequence: UInt64
    /// Size of the canonical JSON payload, bytes.
    public var bytes: Int
    /// Seconds encoding the state.
    public var encodeSeconds: Double
    /// Seconds storing it (durably).
    public var saveSeconds: Double
}

/// At most one background snapshot at a time (shared by the writer, which starts them, and the snapshot thread,
/// which ends them).
final class BackgroundSnapshots: Sendable {
    let inFlight = Atomic<Bool>(false)
}

extension EngineCore {
    /// Writes a snapshot of the current state, on the writer (blocks it while the state is encoded and stored).
    @discardableResult
    public func writeSnapshot() throws(EngineError) -> SnapshotReport {
        try Self.save(state, to: store)
    }

    /// Starts a snapshot of the state as of now on a background thread and returns at once, so that the writer
    /// keeps processing events: ``state`` is a value, so the copy taken here costs O(1) (copy-on-write) and later
    /// events do not change it. The thread runs at a lower priority than the writer. With SQLite, large snapshots
    /// are stored in parts that journal appends interleave with (``JournalStore``).
    ///
    /// - Parameter completion: called on the snapshot thread with the report or the storage error.
    /// - Returns: `false` (and does nothing) while the previous background snapshot is still running.
    @discardableResult
    public func writeSnapshotInBackground(
        completion: @escaping @Sendable (Result<SnapshotReport, EngineError>) -> Void = { _ in }
    ) -> Bool {
        guard !backgroundSnapshots.inFlight.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let state = self.state
        let store = self.store
        let snapshots = backgroundSnapshots
        let thread = Thread {
            Self.lowerThreadPriority()
            let result = Result { () throws(EngineError) -> SnapshotReport in try Self.save(state, to: store) }
            snapshots.inFlight.store(false, ordering: .releasing)
            completion(result)
        }
        thread.name = "margin-snapshot"
        thread.start()
        return true
    }

    /// Whether a background snapshot is running.
    public var isWritingSnapshot: Bool { backgroundSnapshots.inFlight.load(ordering: .acquiring) }

    private static func save(_ state: EngineState, to store: any JournalStore) throws(EngineError) -> SnapshotReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        let payload = state.payload
        let t1 = clock.now
        try store.saveSnapshot(SnapshotRecord(sequence: state.sequence, payload: payload))
        let t2 = clock.now
        return SnapshotReport(sequence: state.sequence, bytes: payload.utf8.count, encodeSeconds: (t1 - t0).seconds,
                              saveSeconds: (t2 - t1).seconds)
    }

    /// Nice 10 for the calling thread (Linux: per-thread niceness), so the writer and the pass helper win the cores.
    private static func lowerThreadPriority() {
        #if os(Linux)
        // setpriority with who = 0 applies to the calling thread on Linux.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
