import Foundation
import Logging
import MarginEngine
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The engine's journal and snapshots in PostgreSQL (postgres-nio), for a connection URL
/// `postgres://user:password@host:port/database`.
///
/// Same contract as ``SQLiteJournalStore``: an append is one transaction that checks the sequence continues the
/// journal; PostgreSQL's default `synchronous_commit = on` makes it durable on commit. Calls block the caller on
/// the connections' own event loop (the engine's writer is synchronous by design). Two connections, each
/// serialized: one for the journal, one for snapshots, so that a large snapshot written in the background
/// (``EngineCore/writeSnapshotInBackground(completion:)``) never holds journal appends up.
/// Tables are named `<prefix>journal` and `<prefix>snapshot`, so several journals can share a database (tests).
public final class PostgresJournalStore: JournalStore {
    private let group: MultiThreadedEventLoopGroup
    private let connection: PostgresConnection
    private let lock = Mutex(())
    private let snapshotConnection: PostgresConnection
    private let snapshotLock = Mutex(())
    private let logger = Logger(label: "margin.storage.postgres")
    private let journal: String
    private let snapshot: String

    /// Connects to `url` and creates the tables if needed.
    ///
    /// - Parameter tablePrefix: letters, digits and `_` only.
    /// - Throws: ``EngineError/invalid(field:reason:)`` for a bad URL or prefix, ``EngineError/storage(_:)`` when
    ///   the server cannot be reached.
    public init(url: String, tablePrefix: String = "margin_") throws(EngineError) {
        guard tablePrefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw EngineError.invalid(field: "tablePrefix", reason: "letters, digits and _ only")
        }
        let config = try Self.configuration(from: url)
        journal = "\(tablePrefix)journal"
        snapshot = "\(tablePrefix)snapshot"
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            connection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 1,
                                                        logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw EngineError.storage("postgres connect: \(String(reflecting: error))")
        }
        do {
            snapshotConnection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 2,
                                                                logger: logger).wait()
        } catch {
            try? connection.close().wait()
            try? group.syncShutdownGracefully()
            throw EngineError.storage("postgres connect: \(String(reflecting: error))")
        }
        try run("CREATE TABLE IF NOT EXISTS \(journal) (seq BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
        try run("CREATE TABLE IF NOT EXISTS \(snapshot) (seq BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
    }

    deinit {
        try? snapshotConnection.close().wait()
        try? connection.close().wait()
        try? group.syncShutdownGracefully()
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

    private func run(_ sql: String, on c: PostgresConnection? = nil) throws(EngineError) {
        do {
            _ = try (c ?? connection).query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        } catch {
            throw EngineError.storage("postgres: \(String(reflecting: error))")
        }
    }

    private func rows(_ query: PostgresQuery, on c: PostgresConnection? = nil) throws(EngineError) -> [PostgresRow] {
        do {
            return try Array((c ?? connection).query(query, logger: logger).wait().rows)
        } catch {
            throw EngineError.storage("postgres: \(String(reflecting: error))")
        }
    }

    public func append(_ records: [JournalRecord]) throws(EngineError) {
        guard let first = records.first else { return }
        try lock.withLock { _ throws(EngineError) in
            try run("BEGIN")
            do throws(EngineError) {
                let last = try rows(PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM \(journal)"))
                let lastSeq = try last.first.map { (row) throws(EngineError) -> Int64 in
                    do { return try row.decode(Int64.self) } catch { throw EngineError.storage("postgres: \(error)") }
                } ?? 0
                guard UInt64(lastSeq) + 1 == first.sequence else {
                    throw EngineError.storage("append of sequence \(first.sequence), journal ends at \(lastSeq)")
                }
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
                _ = try rows(PostgresQuery(unsafeSQL: sql, binds: binds))
                try run("COMMIT")
            } catch {
                try? run("ROLLBACK")
                throw error
            }
        }
    }

    public func records(after sequence: UInt64, limit: Int) throws(EngineError) -> [JournalRecord] {
        try lock.withLock { _ throws(EngineError) in
            var binds = PostgresBindings()
            binds.append(Int64(sequence))
            binds.append(Int64(limit))
            let result = try rows(PostgresQuery(
                unsafeSQL: "SELECT seq, payload FROM \(journal) WHERE seq > $1 ORDER BY seq LIMIT $2", binds: binds))
            return try result.map { (row) throws(EngineError) -> JournalRecord in
                do {
                    let (seq, payload) = try row.decode((Int64, String).self)
                    return JournalRecord(sequence: UInt64(seq), payload: payload)
                } catch {
                    throw EngineError.storage("postgres decode: \(error)")
                }
            }
        }
    }

    public func lastSequence() throws(EngineError) -> UInt64 {
        try lock.withLock { _ throws(EngineError) in
            let result = try rows(PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM \(journal)"))
            do { return UInt64(try result.first?.decode(Int64.self) ?? 0) } catch {
                throw EngineError.storage("postgres decode: \(error)")
            }
        }
    }

    public func saveSnapshot(_ s: SnapshotRecord) throws(EngineError) {
        try snapshotLock.withLock { _ throws(EngineError) in
            var binds = PostgresBindings()
            binds.append(Int64(s.sequence))
            binds.append(s.payload)
            let c = snapshotConnection
            try run("BEGIN", on: c)
            do throws(EngineError) {
                _ = try rows(PostgresQuery(unsafeSQL: """
                    INSERT INTO \(snapshot) (seq, payload) VALUES ($1, $2)
                    ON CONFLICT (seq) DO UPDATE SET payload = EXCLUDED.payload
                    """, binds: binds), on: c)
                try run("DELETE FROM \(snapshot) WHERE seq NOT IN (SELECT seq FROM \(snapshot) ORDER BY seq DESC LIMIT 2)",
                        on: c)
                try run("COMMIT", on: c)
            } catch {
                try? run("ROLLBACK", on: c)
                throw error
            }
        }
    }

    public func latestSnapshot() throws(EngineError) -> SnapshotRecord? {
        try snapshotLock.withLock { _ throws(EngineError) in
            let result = try rows(PostgresQuery(
                unsafeSQL: "SELECT seq, payload FROM \(snapshot) ORDER BY seq DESC LIMIT 1"), on: snapshotConnection)
            guard let row = result.first else { return nil }
            do {
                let (seq, payload) = try row.decode((Int64, String).self)
                return SnapshotRecord(sequence: UInt64(seq), payload: payload)
            } catch {
                throw EngineError.storage("postgres decode: \(error)")
            }
        }
    }

    /// Drops this store's tables (tests).
    public func dropTables() throws(EngineError) {
        try lock.withLock { _ throws(EngineError) in
            try run("DROP TABLE IF EXISTS \(journal)")
            try run("DROP TABLE IF EXISTS \(snapshot)")
        }
    }
}
