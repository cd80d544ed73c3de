import Foundation
import GRDB
import MarginEngine

/// The engine's journal and snapshots in an embedded SQLite database (GRDB `DatabasePool`: WAL mode), with
/// `PRAGMA synchronous = FULL` so every committed append is fsynced before ``append(_:)`` returns.
///
/// Schema: `journal(seq INTEGER PRIMARY KEY, payload TEXT)`, `snapshot(seq INTEGER PRIMARY KEY, payload TEXT)`,
/// `snapshot_part(seq, part, data BLOB)`. An append is one write transaction that first checks the sequence
/// continues the journal.
///
/// SQLite has one writer at a time, so a snapshot of a large state (60 MB for 100,000 accounts) written in one
/// transaction would hold journal appends up for its whole fsync. A snapshot larger than `snapshotPartBytes` is
/// therefore written as parts, each its own short transaction, and becomes visible only with its `snapshot` row
/// (payload `"@parts N"`), written last with the clean-up of older snapshots: appends interleave between parts, and
/// a crash part-way leaves parts that no `snapshot` row refers to (ignored, deleted by the next snapshot).
///
/// ```swift
/// let store = try SQLiteJournalStore(path: "engine.sqlite")
/// let engine = try EngineCore(store: store)
/// ```
public final class SQLiteJournalStore: JournalStore {
    private let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database at `path`.
    ///
    /// - Throws: ``EngineError/storage(_:)`` when the file cannot be opened or migrated.
    public init(path: String, snapshotPartBytes: Int = 1 << 20) throws(EngineError) {
        self.path = path
        self.snapshotPartBytes = max(1, snapshotPartBytes)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS snapshot (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS snapshot_part (
                        seq INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, part));
                    """)
            }
        } catch {
            throw EngineError.storage("sqlite \(path): \(error)")
        }
    }

    /// The journal mode and synchronous level in effect (for tests: `("wal", 2)`).
    public func pragmas() throws(EngineError) -> (journalMode: String, synchronous: Int) {
        do {
            return try pool.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                 try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
            }
        } catch {
            throw EngineError.storage("sqlite \(path): \(error)")
        }
    }

    public func append(_ records: [JournalRecord]) throws(EngineError) {
        guard let first = records.first else { return }
        do {
            try pool.write { db in
                let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM journal") ?? 0
                guard UInt64(last) + 1 == first.sequence else {
                    throw EngineError.storage("append of sequence \(first.sequence), journal ends at \(last)")
                }
                let statement = try db.cachedStatement(sql: "INSERT INTO journal (seq, payload) VALUES (?, ?)")
                var expected = first.sequence
                for r in records {
                    guard r.sequence == expected else {
                        throw EngineError.storage("batch not contiguous at sequence \(r.sequence)")
                    }
                    try statement.execute(arguments: [Int64(r.sequence), r.payload])
                    expected += 1
                }
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError.storage("sqlite append: \(error)")
        }
    }

    public func records(after sequence: UInt64, limit: Int) throws(EngineError) -> [JournalRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
                                 arguments: [Int64(sequence), limit])
                    .map { JournalRecord(sequence: UInt64($0["seq"] as Int64), payload: $0["payload"]) }
            }
        } catch {
            throw EngineError.storage("sqlite read: \(error)")
        }
    }

    public func lastSequence() throws(EngineError) -> UInt64 {
        do {
            return try pool.read { db in
                UInt64(try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM journal") ?? 0)
            }
        } catch {
            throw EngineError.storage("sqlite read: \(error)")
        }
    }

    /// Snapshots larger than this many UTF-8 bytes are written in parts of this size (default 1 MiB: one part's
    /// transaction holds appends up for about a millisecond).
    public let snapshotPartBytes: Int

    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(EngineError) {
        let bytes = Array(snapshot.payload.utf8)
        let seq = Int64(snapshot.sequence)
        do {
            var marker = snapshot.payload
            if bytes.count > snapshotPartBytes {
                let parts = (bytes.count + snapshotPartBytes - 1) / snapshotPartBytes
                for part in 0..<parts {
                    let chunk = bytes[(part * snapshotPartBytes)..<min(bytes.count, (part + 1) * snapshotPartBytes)]
                    try pool.write { db in
                        try db.execute(sql: "INSERT OR REPLACE INTO snapshot_part (seq, part, data) VALUES (?, ?, ?)",
                                       arguments: [seq, part, Data(chunk)])
                    }
                }
                marker = "@parts \(parts)"
            }
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO snapshot (seq, payload) VALUES (?, ?)",
                               arguments: [seq, marker])
                // Keep the two newest snapshots; drop parts no snapshot refers to.
                try db.execute(sql: """
                    DELETE FROM snapshot WHERE seq NOT IN (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 2);
                    DELETE FROM snapshot_part WHERE seq NOT IN (SELECT seq FROM snapshot);
                    """)
            }
        } catch {
            throw EngineError.storage("sqlite snapshot: \(error)")
        }
    }

    public func latestSnapshot() throws(EngineError) -> SnapshotRecord? {
        do {
            return try pool.read { db -> SnapshotRecord? in
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, payload FROM snapshot ORDER BY seq DESC LIMIT 1")
                else { return nil }
                let seq: Int64 = row["seq"]
                let payload: String = row["payload"]
                guard payload.hasPrefix("@parts "), let parts = Int(payload.dropFirst(7)) else {
                    return SnapshotRecord(sequence: UInt64(seq), payload: payload)
                }
                let chunks = try Data.fetchAll(db, sql: "SELECT data FROM snapshot_part WHERE seq = ? ORDER BY part",
                                               arguments: [seq])
                guard chunks.count == parts else {
                    throw EngineError.corruptRecord(sequence: UInt64(seq),
                                                    reason: "snapshot has \(chunks.count) of its \(parts) parts")
                }
                var joined = Data()
                for c in chunks { joined.append(c) }
                return SnapshotRecord(sequence: UInt64(seq), payload: String(decoding: joined, as: UTF8.self))
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError.storage("sqlite snapshot read: \(error)")
        }
    }

    /// The sequences of the stored snapshots (complete ones), ascending, and of any stored parts (for tests and
    /// diagnostics: parts no snapshot refers to are left by a crash during a snapshot).
    public func snapshotSequences() throws(EngineError) -> [UInt64] {
        do {
            return try pool.read { db in
                try Int64.fetchAll(db, sql: """
                    SELECT seq FROM snapshot UNION SELECT seq FROM snapshot_part ORDER BY seq
                    """).map { UInt64($0) }
            }
        } catch {
            throw EngineError.storage("sqlite snapshot read: \(error)")
        }
    }
}
