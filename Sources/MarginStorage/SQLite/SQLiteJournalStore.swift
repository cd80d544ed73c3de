import Foundation
import GRDB
import MarginEngine

/// The engine's journal and snapshots in an embedded SQLite database (GRDB `DatabasePool`: WAL mode), with
/// `PRAGMA synchronous = FULL` so every committed append is fsynced before ``append(_:)`` returns.
///
/// Schema: `journal(seq INTEGER PRIMARY KEY, payload TEXT)`, `snapshot(seq INTEGER PRIMARY KEY, payload TEXT)`.
/// An append is one write transaction that first checks the sequence continues the journal.
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
    public init(path: String) throws(EngineError) {
        self.path = path
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

    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(EngineError) {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO snapshot (seq, payload) VALUES (?, ?)",
                               arguments: [Int64(snapshot.sequence), snapshot.payload])
                // Keep the two newest snapshots.
                try db.execute(sql: """
                    DELETE FROM snapshot WHERE seq NOT IN (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 2)
                    """)
            }
        } catch {
            throw EngineError.storage("sqlite snapshot: \(error)")
        }
    }

    public func latestSnapshot() throws(EngineError) -> SnapshotRecord? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT seq, payload FROM snapshot ORDER BY seq DESC LIMIT 1")
                    .map { SnapshotRecord(sequence: UInt64($0["seq"] as Int64), payload: $0["payload"]) }
            }
        } catch {
            throw EngineError.storage("sqlite snapshot read: \(error)")
        }
    }
}
