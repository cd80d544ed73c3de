import Foundation
import Logging
import MarginLedger
import NIOCore
import PostgresNIO
import Synchronization

/// The engine's journal and snapshots in PostgreSQL (postgres-nio), for a connection URL
/// `postgres://user:password@host:port/database`.
///
/// Same contract as ``SQLiteJournalStore``: an append is one transaction that checks the sequence continues the
/// journal; PostgreSQL's default `synchronous_commit = on` makes it durable on commit. Asynchronous throughout
/// (postgres-nio's futures awaited, never waited on). Two connections (``PostgresSession``), each running one
/// operation at a time: one for the journal, one for snapshots, so that a large snapshot written in the background
/// never holds journal appends up. Tables are named `<prefix>journal` and `<prefix>snapshot`, so several journals
/// can share a database (tests).
///
/// **One writer**: opened ``Mode/readWrite``, the journal connection holds the session-level advisory lock
/// `pg_try_advisory_lock(key)`, `key` a 64-bit FNV-1a hash of the journal table's name: a second engine on the
/// same journal fails with ``EngineError/journalInUse(_:)``. The server releases the lock when the connection
/// ends (a crash included).
///
/// **Lost connections** are storage faults like any other: the failing operation throws
/// ``EngineError/storage(_:)``; the next operation reconnects (and takes the lock again: fatal
/// `journalInUse` if another writer took it meanwhile), so the engine's retries with backoff
/// (``StorageFaultPolicy``) resume on the journal's last sequence once the server is back.
public final class PostgresJournalStore: JournalStore {
    /// How the journal is opened.
    public enum Mode: Sendable {
        /// The engine's store: creates the tables if needed and holds the advisory lock.
        case readWrite
        /// Reading only (replay): no lock, nothing created; the tables must exist.
        case readOnly
    }

    private let session: PostgresSession
    private let snapshotSession: PostgresSession
    private let logger = Logger(label: "margin.storage.postgres")
    private let journal: String
    private let snapshot: String
    public let mode: Mode
    /// The advisory-lock key of this journal.
    public let lockKey: Int64

    /// Connects to `url`, takes the writer lock and creates the tables if needed (``Mode/readWrite``), or checks
    /// that the journal exists (``Mode/readOnly``).
    ///
    /// - Parameters:
    ///   - tablePrefix: letters, digits and `_` only.
    ///   - operationTimeout: an operation running longer fails (its connection is closed and reopened by the
    ///     next one).
    /// - Throws: ``EngineError/invalid(field:reason:)`` for a bad URL or prefix, ``EngineError/journalInUse(_:)``
    ///   when another engine holds the journal, ``EngineError/storage(_:)`` when the server cannot be reached.
    public init(url: String, tablePrefix: String = "margin_", mode: Mode = .readWrite,
                operationTimeout: Duration = .seconds(10)) async throws(EngineError) {
        guard tablePrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw EngineError.invalid(field: "tablePrefix", reason: "letters, digits and _ only")
        }
        var config = try Self.configuration(from: url)
        journal = "\(tablePrefix)journal"
        snapshot = "\(tablePrefix)snapshot"
        self.mode = mode
        lockKey = Self.lockKey(journal: journal)
        config.options.connectTimeout = .seconds(5)
        var snapshotConfig = config
        config.options.additionalStartupParameters = [("application_name", "margin \(journal)")]
        snapshotConfig.options.additionalStartupParameters = [("application_name", "margin \(journal) snapshots")]
        session = PostgresSession(configuration: config, id: 1, lockKey: mode == .readWrite ? lockKey : nil,
                                  journal: journal, timeout: operationTimeout, logger: logger)
        snapshotSession = PostgresSession(configuration: snapshotConfig, id: 2, lockKey: nil, journal: journal,
                                          timeout: max(operationTimeout, .seconds(120)), logger: logger)
        switch mode {
        case .readWrite:
            try await run("CREATE TABLE IF NOT EXISTS \(journal) (seq BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
            try await run("CREATE TABLE IF NOT EXISTS \(snapshot) (seq BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
        case .readOnly:
            let journal = self.journal
            let exists = try await session.run("open") { link in
                var binds = PostgresBindings()
                binds.append(journal)
                let rows = try await link.query(PostgresQuery(unsafeSQL: "SELECT to_regclass($1) IS NOT NULL",
                                                              binds: binds))
                return try rows.first?.decode(Bool.self) ?? false
            }
            guard exists else { throw EngineError.storage("postgres: no journal \(journal) in this database") }
        }
    }

    /// Closes both connections (releasing the advisory lock); later calls fail.
    public func close() async {
        await session.close()
        await snapshotSession.close()
    }

    /// The advisory-lock key of a journal table: FNV-1a 64 of `margin-journal:<table>`.
    static func lockKey(journal: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "margin-journal:\(journal)".utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: h)
    }

    /// Parses `postgres://user:password@host:port/database` (also `postgresql://`).
    static func configuration(from url: String) throws(EngineError) -> PostgresConnection.Configuration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql",
              let host = c.host, !host.isEmpty, let user = c.user
        else {
            throw EngineError.invalid(field: "url", reason: "expected postgres://user:password@host:port/database")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        return PostgresConnection.Configuration(host: host, port: c.port ?? 5432, username: user,
                                                password: c.password, database: database.isEmpty ? nil : database,
                                                tls: .disable)
    }

    private func run(_ sql: String, on s: PostgresSession? = nil) async throws(EngineError) {
        try await (s ?? session).run("query") { link in
            _ = try await link.query(PostgresQuery(unsafeSQL: sql))
        }
    }

    public func append(_ records: [JournalRecord]) async throws(EngineError) {
        guard let first = records.first else { return }
        guard mode == .readWrite else { throw EngineError.storage("postgres: \(journal) opened read-only") }
        var sql = "INSERT INTO \(journal) (seq, payload) VALUES "
        var binds = PostgresBindings(capacity: records.count * 2)
        var expected = first.sequence
        for (i, r) in records.enumerated() {
            guard r.sequence == expected else {
                throw EngineError.storage("batch not contiguous at sequence \(r.sequence)")
            }
            expected += 1
            sql += (i == 0 ? "" : ", ") + "($\(2 * i + 1), $\(2 * i + 2))"
            binds.append(Int64(r.sequence))
            binds.append(r.payload)
        }
        let insert = PostgresQuery(unsafeSQL: sql, binds: binds)
        let journal = self.journal
        try await session.run("append") { link in
            _ = try await link.query("BEGIN")
            do {
                let last = try await link.query(PostgresQuery(
                    unsafeSQL: "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM \(journal)"))
                let lastSeq = try last.first?.decode(Int64.self) ?? 0
                guard UInt64(lastSeq) + 1 == first.sequence else {
                    throw EngineError.storage("append of sequence \(first.sequence), journal ends at \(lastSeq)")
                }
                _ = try await link.query(insert)
                _ = try await link.query("COMMIT")
            } catch {
                _ = try? await link.query("ROLLBACK")
                throw error
            }
        }
    }

    public func records(after sequence: UInt64, limit: Int) async throws(EngineError) -> [JournalRecord] {
        var binds = PostgresBindings()
        binds.append(Int64(sequence))
        binds.append(Int64(limit))
        let query = PostgresQuery(unsafeSQL: "SELECT seq, payload FROM \(journal) WHERE seq > $1 ORDER BY seq LIMIT $2",
                                  binds: binds)
        return try await session.run("read") { link in
            try await link.query(query).map { row in
                let (seq, payload) = try row.decode((Int64, String).self)
                return JournalRecord(sequence: UInt64(seq), payload: payload)
            }
        }
    }

    public func lastSequence() async throws(EngineError) -> UInt64 {
        let query = PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM \(journal)")
        return try await session.run("read") { link in
            UInt64(try await link.query(query).first?.decode(Int64.self) ?? 0)
        }
    }

    public func saveSnapshot(_ s: SnapshotRecord) async throws(EngineError) {
        guard mode == .readWrite else { throw EngineError.storage("postgres: \(journal) opened read-only") }
        var binds = PostgresBindings()
        binds.append(Int64(s.sequence))
        binds.append(s.payload)
        let insert = PostgresQuery(unsafeSQL: """
            INSERT INTO \(snapshot) (seq, payload) VALUES ($1, $2)
            ON CONFLICT (seq) DO UPDATE SET payload = EXCLUDED.payload
            """, binds: binds)
        let prune = PostgresQuery(unsafeSQL:
            "DELETE FROM \(snapshot) WHERE seq NOT IN (SELECT seq FROM \(snapshot) ORDER BY seq DESC LIMIT 2)")
        try await snapshotSession.run("snapshot") { link in
            _ = try await link.query("BEGIN")
            do {
                _ = try await link.query(insert)
                _ = try await link.query(prune)
                _ = try await link.query("COMMIT")
            } catch {
                _ = try? await link.query("ROLLBACK")
                throw error
            }
        }
    }

    public func latestSnapshot() async throws(EngineError) -> SnapshotRecord? {
        let query = PostgresQuery(unsafeSQL: "SELECT seq, payload FROM \(snapshot) ORDER BY seq DESC LIMIT 1")
        return try await snapshotSession.run("snapshot read") { link -> SnapshotRecord? in
            guard let row = try await link.query(query).first else { return nil }
            let (seq, payload) = try row.decode((Int64, String).self)
            return SnapshotRecord(sequence: UInt64(seq), payload: payload)
        }
    }

    /// Connections reopened after a loss (journal and snapshot connections).
    public var reconnects: Int {
        session.reconnects.load(ordering: .relaxed) + snapshotSession.reconnects.load(ordering: .relaxed)
    }

    /// The server process id of the journal connection (tests terminate it to simulate a lost connection).
    public func journalBackendPID() async throws(EngineError) -> Int32 { try await session.backendPID() }

    /// The `application_name` of the journal connection (`margin <prefix>journal`; the snapshot connection's has
    /// ` snapshots` appended): what an operator or a test sees in `pg_stat_activity`.
    public var journalApplicationName: String { "margin \(journal)" }

    /// Terminates, from this store's connection, every other server process whose `application_name` is `name`
    /// (tests: a lost connection, as a server restart or a network cut causes). Returns how many.
    package func terminateBackends(applicationName name: String) async throws(EngineError) -> Int {
        var binds = PostgresBindings()
        binds.append(name)
        let query = PostgresQuery(unsafeSQL: """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = $1 AND pid <> pg_backend_pid()
            """, binds: binds)
        return try await session.run("terminate") { link in try await link.query(query).count }
    }

    /// Drops this store's tables (tests).
    public func dropTables() async throws(EngineError) {
        try await run("DROP TABLE IF EXISTS \(journal)")
        try await run("DROP TABLE IF EXISTS \(snapshot)")
    }
}
