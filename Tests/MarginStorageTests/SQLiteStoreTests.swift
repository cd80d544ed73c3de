import Foundation
import MarginEngine
import MarginStorage
import Testing

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// The store contract on SQLite (a fresh file per test).
@Suite struct SQLiteStoreTests {
    func contract() -> StoreContract {
        let path = temporaryPath("journal.sqlite")
        return StoreContract(open: { try SQLiteJournalStore(path: path) })
    }

    @Test("SQLite: WAL journal mode and synchronous=FULL")
    func pragmas() throws {
        let store = try SQLiteJournalStore(path: temporaryPath("p.sqlite"))
        let p = try store.pragmas()
        #expect(p.journalMode == "wal")
        #expect(p.synchronous == 2)
    }

    @Test("SQLite: journal round trip") func journalRoundTrip() throws { try contract().journalRoundTrip() }
    @Test("SQLite: withdrawal below IM changes nothing") func withdrawal() throws { try contract().withdrawalRejection() }
    @Test("SQLite: recovery digest") func recovery() throws { try contract().recoveryDigest() }
    @Test("SQLite: a background snapshot while events continue") func background() throws {
        try contract().backgroundSnapshot()
    }

    @Test("SQLite: a snapshot larger than a part is stored in parts and read back exactly; older ones are dropped")
    func snapshotParts() throws {
        let path = temporaryPath("parts.sqlite")
        let store = try SQLiteJournalStore(path: path, snapshotPartBytes: 1_000)
        // Multi-byte characters straddle the 1,000-byte part boundaries.
        let big = "{\"accounts\":\"" + String(repeating: "é€😀x", count: 400) + "\"}"
        #expect(big.utf8.count > 3_000)
        try store.saveSnapshot(SnapshotRecord(sequence: 5, payload: big))
        #expect(try store.latestSnapshot() == SnapshotRecord(sequence: 5, payload: big))
        let small = #"{"small":true}"#
        try store.saveSnapshot(SnapshotRecord(sequence: 9, payload: small))
        #expect(try store.latestSnapshot() == SnapshotRecord(sequence: 9, payload: small))
        try store.saveSnapshot(SnapshotRecord(sequence: 12, payload: big + " "))
        // A reopened store reads the same; only the two newest snapshots are kept.
        let reopened = try SQLiteJournalStore(path: path, snapshotPartBytes: 1_000)
        #expect(try reopened.latestSnapshot() == SnapshotRecord(sequence: 12, payload: big + " "))
        #expect(try reopened.snapshotSequences() == [9, 12])
    }
}

/// The same contract on PostgreSQL, when `MARGIN_TEST_POSTGRES_URL` is set (`.ci/run` sets it).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] != nil,
                "MARGIN_TEST_POSTGRES_URL is not set"))
struct PostgresStoreTests {
    static var url: String { ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] ?? "" }

    func withContract(_ body: (StoreContract) throws -> Void) throws {
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))_"
        defer { try? PostgresJournalStore(url: Self.url, tablePrefix: prefix).dropTables() }
        try body(StoreContract(open: { try PostgresJournalStore(url: Self.url, tablePrefix: prefix) }))
    }

    @Test("PostgreSQL: journal round trip") func journalRoundTrip() throws { try withContract { try $0.journalRoundTrip() } }
    @Test("PostgreSQL: withdrawal below IM changes nothing")
    func withdrawal() throws { try withContract { try $0.withdrawalRejection() } }
    @Test("PostgreSQL: recovery digest") func recovery() throws { try withContract { try $0.recoveryDigest() } }
    @Test("PostgreSQL: a background snapshot while events continue")
    func background() throws { try withContract { try $0.backgroundSnapshot() } }

    @Test("PostgreSQL: a bad URL names the field")
    func badURL() {
        #expect(throws: EngineError.invalid(field: "url", reason: "expected postgres://user:password@host:port/database")) {
            try PostgresJournalStore(url: "mysql://x")
        }
    }
}
