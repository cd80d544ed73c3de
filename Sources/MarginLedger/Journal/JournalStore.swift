/// One journaled event: its sequence number (1, 2, 3, … without gaps) and canonical JSON payload.
public struct JournalRecord: Hashable, Sendable {
    public var sequence: UInt64
    public var payload: String

    public init(sequence: UInt64, payload: String) {
        self.sequence = sequence
        self.payload = payload
    }
}

/// A snapshot of the whole ``EngineState`` as of journal sequence `sequence`.
public struct SnapshotRecord: Hashable, Sendable {
    public var sequence: UInt64
    public var payload: String

    public init(sequence: UInt64, payload: String) {
        self.sequence = sequence
        self.payload = payload
    }
}

/// Durable storage of the engine's journal and snapshots.
///
/// Contract (tested by the same suite against every implementation):
/// - ``append(_:)`` is atomic and durable: when it returns, every record of the batch survives a crash (fsync);
///   when it throws, the batch was *probably* not written. "Probably": a failure after the commit reached the disk
///   or the server (a connection lost while the commit's answer was on its way) throws although the batch is
///   there. The engine resolves such an ambiguous append through ``lastSequence()`` (``RiskEngine``,
///   docs/ENGINE.md "Storage faults"). Sequences must continue the journal without gaps or the append fails.
/// - ``records(after:limit:)`` returns records in sequence order.
/// - ``saveSnapshot(_:)`` is atomic; ``latestSnapshot()`` returns the one with the highest sequence.
/// - Every failure is an ``EngineError/storage(_:)`` (or ``EngineError/journalInUse(_:)`` when another engine
///   holds the journal, ``EngineError/corruptRecord(sequence:reason:)`` for unreadable data): never a rejection.
///
/// Calls are asynchronous and never block the caller's thread (no waiting on futures, no blocking I/O on the
/// caller's thread). They are `nonisolated(nonsending)`: they start on the caller's executor (the engine's
/// thread), so an implementation that has nothing to wait for (``InMemoryJournal``) costs no thread hop.
/// Implementations are thread-safe; the engine's single writer (``RiskEngine``) makes every journal append.
public protocol JournalStore: AnyObject, Sendable {
    /// Appends a batch of records atomically and durably.
    nonisolated(nonsending) func append(_ records: [JournalRecord]) async throws(EngineError)
    /// Records with sequence > `sequence`, ascending, at most `limit`.
    nonisolated(nonsending) func records(after sequence: UInt64, limit: Int) async throws(EngineError) -> [JournalRecord]
    /// The highest journaled sequence (0 when empty).
    nonisolated(nonsending) func lastSequence() async throws(EngineError) -> UInt64
    /// Stores a snapshot atomically.
    nonisolated(nonsending) func saveSnapshot(_ snapshot: SnapshotRecord) async throws(EngineError)
    /// The snapshot with the highest sequence, if any.
    nonisolated(nonsending) func latestSnapshot() async throws(EngineError) -> SnapshotRecord?
    /// Releases the store: its writer lock and connections (idempotent; later calls fail with a storage error).
    /// Also done when the store is deinitialized.
    nonisolated(nonsending) func close() async
}

extension JournalStore {
    /// Stores that hold nothing to release.
    public nonisolated(nonsending) func close() async {}

    /// Every record after `sequence`, read in pages.
    public nonisolated(nonsending) func allRecords(after sequence: UInt64) async throws(EngineError) -> [JournalRecord] {
        var out: [JournalRecord] = []
        var cursor = sequence
        while true {
            let page = try await records(after: cursor, limit: 10_000)
            out += page
            guard let last = page.last, page.count == 10_000 else { return out }
            cursor = last.sequence
        }
    }
}
