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
///   when it throws, none was written. Sequences must continue the journal without gaps or the append fails.
/// - ``records(after:limit:)`` returns records in sequence order.
/// - ``saveSnapshot(_:)`` is atomic; ``latestSnapshot()`` returns the one with the highest sequence.
///
/// Calls are synchronous and made by the engine's single writer; implementations are thread-safe.
public protocol JournalStore: AnyObject, Sendable {
    /// Appends a batch of records atomically and durably.
    func append(_ records: [JournalRecord]) throws(EngineError)
    /// Records with sequence > `sequence`, ascending, at most `limit`.
    func records(after sequence: UInt64, limit: Int) throws(EngineError) -> [JournalRecord]
    /// The highest journaled sequence (0 when empty).
    func lastSequence() throws(EngineError) -> UInt64
    /// Stores a snapshot atomically.
    func saveSnapshot(_ snapshot: SnapshotRecord) throws(EngineError)
    /// The snapshot with the highest sequence, if any.
    func latestSnapshot() throws(EngineError) -> SnapshotRecord?
}

extension JournalStore {
    /// Every record after `sequence`, read in pages.
    public func allRecords(after sequence: UInt64) throws(EngineError) -> [JournalRecord] {
        var out: [JournalRecord] = []
        var cursor = sequence
        while true {
            let page = try records(after: cursor, limit: 10_000)
            out += page
            guard let last = page.last, page.count == 10_000 else { return out }
            cursor = last.sequence
        }
    }
}
