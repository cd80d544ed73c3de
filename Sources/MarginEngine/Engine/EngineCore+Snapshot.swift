import MarginLedger
import Foundation

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

/// A snapshot encoded and waiting to be stored (encoding is CPU work; storing is the store's I/O).
struct EncodedSnapshot: Sendable {
    var record: SnapshotRecord
    var encodeSeconds: Double

    /// Encodes `state` as canonical JSON, timed.
    init(_ state: EngineState) {
        let t0 = ContinuousClock.now
        record = SnapshotRecord(sequence: state.sequence, payload: state.payload)
        encodeSeconds = (ContinuousClock.now - t0).seconds
    }

    /// Stores it in `store` and reports.
    func save(to store: any JournalStore) async throws(EngineError) -> SnapshotReport {
        let t0 = ContinuousClock.now
        try await store.saveSnapshot(record)
        return SnapshotReport(sequence: record.sequence, bytes: record.payload.utf8.count,
                              encodeSeconds: encodeSeconds, saveSeconds: (ContinuousClock.now - t0).seconds)
    }

    /// Nice 10 for the calling thread (Linux: per-thread niceness), so the writer and the pass helper win the cores.
    static func lowerThreadPriority() {
        #if os(Linux)
        // setpriority with who = 0 applies to the calling thread on Linux.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
