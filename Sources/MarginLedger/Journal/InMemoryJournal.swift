import Synchronization

/// A ``JournalStore`` in memory, for tests and benchmarks: the same contract without durability.
public final class InMemoryJournal: JournalStore {
    private struct Storage {
        var records: [JournalRecord] = []
        var snapshots: [SnapshotRecord] = []
    }
    private let storage = Mutex(Storage())
    private let failure = Mutex<String?>(nil)

    public init() {}

    public func append(_ records: [JournalRecord]) throws(EngineError) {
        if let message = failure.withLock({ m -> String? in defer { m = nil }; return m }) {
            throw EngineError.storage(message)
        }
        try storage.withLock { (s: inout Storage) throws(EngineError) in
            var next = (s.records.last?.sequence ?? 0) + 1
            for r in records {
                guard r.sequence == next else {
                    throw EngineError.storage("append of sequence \(r.sequence), expected \(next)")
                }
                next += 1
            }
            s.records += records
        }
    }

    public func records(after sequence: UInt64, limit: Int) throws(EngineError) -> [JournalRecord] {
        storage.withLock { s in
            // Sequences are dense from 1, so the index of sequence n + 1 is n.
            let start = min(Int(sequence), s.records.count)
            return Array(s.records[start..<min(start + limit, s.records.count)])
        }
    }

    public func lastSequence() throws(EngineError) -> UInt64 { storage.withLock { $0.records.last?.sequence ?? 0 } }

    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(EngineError) {
        storage.withLock { $0.snapshots.append(snapshot) }
    }

    public func latestSnapshot() throws(EngineError) -> SnapshotRecord? {
        storage.withLock { $0.snapshots.max { $0.sequence < $1.sequence } }
    }

    /// Makes the next append fail with `message` (to test that a failed append changes nothing).
    public func failNextAppend(with message: String) { failure.withLock { $0 = message } }

    /// Number of journaled records.
    public var count: Int { storage.withLock { $0.records.count } }
}
