import Foundation
import GRDB
import MarginLedger
import Synchronization

/// The engine's journal and snapshots in an embedded SQLite database (GRDB `DatabasePool`: WAL mode), with
/// `PRAGMA synchronous = FULL` so every committed append is fsynced before ``append(_:)`` returns.
///
/// Schema: `journal(seq INTEGER PRIMARY KEY, payload TEXT)`, `snapshot(seq INTEGER PRIMARY KEY, payload TEXT)`,
/// `snapshot_part(seq, part, data BLOB)`. An append is one write transaction that first checks the sequence
/// continues the journal.
///
/// **Asynchronous, never blocking the caller**: every access is handed to GRDB's own serial writer queue (or a
/// reader) with `asyncWrite` / `asyncRead` and awaited through a continuation; the caller's thread (the engine's)
/// is free meanwhile. Accesses are not cancellable: a write the caller stopped waiting for would leave its outcome
/// unknown.
///
/// **One writer**: opened ``Mode/readWrite`` the store first takes exclusive `flock`s on `<real path>.lock` and on
/// the database file itself (``JournalFileLock``), for its lifetime (``close()``, deinit, or the process's death
/// release them). A second store on the same file, in this process or another, by this path, a symbolic link or a
/// hard link, fails with ``EngineError/journalInUse(_:)`` before
/// touching the database. ``Mode/readOnly`` (replay, inspection) takes no lock, creates nothing, and refuses a
/// missing file.
///
/// SQLite has one writer at a time, so a snapshot of a large state (60 MB for 100,000 accounts) written in one
/// transaction would hold journal appends up for its whole fsync. A snapshot larger than `snapshotPartBytes` is
/// therefore written as parts, each its own short transaction, and becomes visible only with its `snapshot` row
/// (payload `"@parts N"`), written last with the clean-up of older snapshots: appends interleave between parts, and
/// a crash part-way leaves parts that no `snapshot` row refers to (ignored, deleted by the next snapshot).
///
/// ```swift
/// let engine = try await RiskEngine.open(store: try SQLiteJournalStore(path: "engine.sqlite"))
/// ```
public final class SQLiteJournalStore: JournalStore {
    /// How the database is opened.
    public enum Mode: Sendable {
        /// The engine's store: creates the database if needed and holds the writer lock.
        case readWrite
        /// Reading only (replay): no lock, nothing created; the file must exist and hold a journal.
        case readOnly
    }

    private let database: any DatabaseWriter
    private let lock: JournalFileLock?
    private let closed = Atomic<Bool>(false)
    /// The database file.
    public let path: String
    public let mode: Mode
    /// Snapshots larger than this many UTF-8 bytes are written in parts of this size (default 1 MiB: one part's
    /// transaction holds appends up for about a millisecond).
    public let snapshotPartBytes: Int

    /// Opens the database at `path`: read-write (creating it if needed, taking the writer lock) or read-only.
    ///
    /// - Throws: ``EngineError/journalInUse(_:)`` when another engine holds the journal (read-write),
    ///   ``EngineError/storage(_:)`` when the file cannot be opened or migrated, or (read-only) does not exist or
    ///   holds no journal.
    public init(path: String, mode: Mode = .readWrite, snapshotPartBytes: Int = 1 << 20) throws(EngineError) {
        self.path = path
        self.mode = mode
        self.snapshotPartBytes = max(1, snapshotPartBytes)
        var configuration = Configuration()
        switch mode {
        case .readWrite:
            lock = try JournalFileLock(journal: path)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try pool.write { db in
                    try db.execute(sql: """
                        CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS snapshot (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS snapshot_part (
                            seq INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, part));
                        """)
                }
                database = pool
            } catch {
                throw EngineError.storage("sqlite \(path): \(error)")
            }
        case .readOnly:
            lock = nil
            guard FileManager.default.fileExists(atPath: path) else {
                throw EngineError.storage("sqlite \(path): no such journal (the file does not exist)")
            }
            configuration.readonly = true
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                let tables = try queue.read { db in
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                guard tables.contains("journal"), tables.contains("snapshot") else {
                    throw EngineError.storage("sqlite \(path): not an engine journal (no journal table)")
                }
                database = queue
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError.storage("sqlite \(path): \(error)")
            }
        }
    }

    deinit { lock?.release() }

    /// Releases the writer lock and closes the database (idempotent; later accesses fail).
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let database = self.database
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                try? database.close()
                c.resume()
            }
        }
        lock?.release()
    }

    /// The journal mode and synchronous level in effect (for tests: `("wal", 2)`).
    public func pragmas() async throws(EngineError) -> (journalMode: String, synchronous: Int) {
        try await read("read") { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
             try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
        }
    }

    public func append(_ records: [JournalRecord]) async throws(EngineError) {
        guard let first = records.first else { return }
        try await write("append") { db in
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
    }

    public func records(after sequence: UInt64, limit: Int) async throws(EngineError) -> [JournalRecord] {
        try await read("read") { db in
            try Row.fetchAll(db, sql: "SELECT seq, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [Int64(sequence), limit])
                .map { JournalRecord(sequence: UInt64($0["seq"] as Int64), payload: $0["payload"]) }
        }
    }

    public func lastSequence() async throws(EngineError) -> UInt64 {
        try await read("read") { db in
            UInt64(try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM journal") ?? 0)
        }
    }

    public func saveSnapshot(_ snapshot: SnapshotRecord) async throws(EngineError) {
        let bytes = Array(snapshot.payload.utf8)
        let seq = Int64(snapshot.sequence)
        var marker = snapshot.payload
        if bytes.count > snapshotPartBytes {
            let parts = (bytes.count + snapshotPartBytes - 1) / snapshotPartBytes
            for part in 0..<parts {
                let chunk = Data(bytes[(part * snapshotPartBytes)..<min(bytes.count, (part + 1) * snapshotPartBytes)])
                try await write("snapshot") { db in
                    try db.execute(sql: "INSERT OR REPLACE INTO snapshot_part (seq, part, data) VALUES (?, ?, ?)",
                                   arguments: [seq, part, chunk])
                }
            }
            marker = "@parts \(parts)"
        }
        try await write("snapshot") { [marker] db in
            try db.execute(sql: "INSERT OR REPLACE INTO snapshot (seq, payload) VALUES (?, ?)", arguments: [seq, marker])
            // Keep the two newest snapshots; drop parts no snapshot refers to.
            try db.execute(sql: """
                DELETE FROM snapshot WHERE seq NOT IN (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 2);
                DELETE FROM snapshot_part WHERE seq NOT IN (SELECT seq FROM snapshot);
                """)
        }
    }

    public func latestSnapshot() async throws(EngineError) -> SnapshotRecord? {
        try await read("snapshot read") { db -> SnapshotRecord? in
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
    }

    /// The sequences of the stored snapshots (complete ones), ascending, and of any stored parts (for tests and
    /// diagnostics: parts no snapshot refers to are left by a crash during a snapshot).
    public func snapshotSequences() async throws(EngineError) -> [UInt64] {
        try await read("snapshot read") { db in
            try Int64.fetchAll(db, sql: "SELECT seq FROM snapshot UNION SELECT seq FROM snapshot_part ORDER BY seq")
                .map { UInt64($0) }
        }
    }

    // MARK: Access

    /// Runs `body` in a write transaction on GRDB's writer queue and awaits it (committed when it returns).
    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(EngineError) -> T
    {
        try checkWritable(what)
        let database = self.database
        let path = self.path
        let result: Result<T, EngineError> = await withCheckedContinuation { c in
            database.asyncWrite(body) { _, result in
                c.resume(returning: result.mapError { Self.storageError($0, what, path) })
            }
        }
        return try result.get()
    }

    /// Runs `body` on a reader (a consistent snapshot of the database) and awaits it.
    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(EngineError) -> T
    {
        guard !closed.load(ordering: .acquiring) else { throw EngineError.storage("sqlite \(path): the store is closed") }
        let database = self.database
        let path = self.path
        let result: Result<T, EngineError> = await withCheckedContinuation { c in
            database.asyncRead { db in
                c.resume(returning: Result { try body(try db.get()) }.mapError { Self.storageError($0, what, path) })
            }
        }
        return try result.get()
    }

    private func checkWritable(_ what: String) throws(EngineError) {
        guard !closed.load(ordering: .acquiring) else { throw EngineError.storage("sqlite \(path): the store is closed") }
        guard mode == .readWrite else { throw EngineError.storage("sqlite \(path): opened read-only (\(what))") }
    }

    private static func storageError(_ error: any Error, _ what: String, _ path: String) -> EngineError {
        if let error = error as? EngineError { return error }
        return .storage("sqlite \(what) \(path): \(error)")
    }
}
