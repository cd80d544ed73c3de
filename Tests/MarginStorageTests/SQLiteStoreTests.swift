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

    @Test("PostgreSQL: a bad URL names the field")
    func badURL() {
        #expect(throws: EngineError.invalid(field: "url", reason: "expected postgres://user:password@host:port/database")) {
            try PostgresJournalStore(url: "mysql://x")
        }
    }
}
