import Foundation
import MarginEngine
import MarginLedger
import MarginStorage
import Synchronization
import Testing

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// Opens a store on the same journal again and again ("restarts"), closing the previous one first: a store holds
/// the journal's writer lock for its lifetime.
final class Reopener: Sendable {
    private let last = Mutex<(any JournalStore)?>(nil)
    private let make: @Sendable () async throws -> any JournalStore

    init(_ make: @escaping @Sendable () async throws -> any JournalStore) { self.make = make }

    func open() async throws -> any JournalStore {
        if let previous = last.withLock({ $0 }) { await previous.close() }
        let store = try await make()
        last.withLock { $0 = store }
        return store
    }

    func close() async {
        if let previous = last.withLock({ $0 }) { await previous.close() }
    }
}

/// The store contract on SQLite (a fresh file per test).
@Suite struct SQLiteStoreTests {
    func withContract(_ body: (StoreContract) async throws -> Void) async throws {
        let path = temporaryPath("journal.sqlite")
        let stores = Reopener { try SQLiteJournalStore(path: path) }
        try await body(StoreContract(open: stores.open))
        await stores.close()
    }

    @Test("SQLite: WAL journal mode and synchronous=FULL")
    func pragmas() async throws {
        let store = try SQLiteJournalStore(path: temporaryPath("p.sqlite"))
        let p = try await store.pragmas()
        #expect(p.journalMode == "wal")
        #expect(p.synchronous == 2)
    }

    @Test("SQLite: journal round trip") func journalRoundTrip() async throws {
        try await withContract { try await $0.journalRoundTrip() }
    }
    @Test("SQLite: withdrawal below IM changes nothing") func withdrawal() async throws {
        try await withContract { try await $0.withdrawalRejection() }
    }
    @Test("SQLite: recovery digest") func recovery() async throws { try await withContract { try await $0.recoveryDigest() } }
    @Test("SQLite: a background snapshot while events continue") func background() async throws {
        try await withContract { try await $0.backgroundSnapshot() }
    }

    @Test("SQLite: a snapshot larger than a part is stored in parts and read back exactly; older ones are dropped")
    func snapshotParts() async throws {
        let path = temporaryPath("parts.sqlite")
        let store = try SQLiteJournalStore(path: path, snapshotPartBytes: 1_000)
        // Multi-byte characters straddle the 1,000-byte part boundaries.
        let big = "{\"accounts\":\"" + String(repeating: "é€😀x", count: 400) + "\"}"
        #expect(big.utf8.count > 3_000)
        try await store.saveSnapshot(SnapshotRecord(sequence: 5, payload: big))
        #expect(try await store.latestSnapshot() == SnapshotRecord(sequence: 5, payload: big))
        let small = #"{"small":true}"#
        try await store.saveSnapshot(SnapshotRecord(sequence: 9, payload: small))
        #expect(try await store.latestSnapshot() == SnapshotRecord(sequence: 9, payload: small))
        try await store.saveSnapshot(SnapshotRecord(sequence: 12, payload: big + " "))
        // A reopened store reads the same; only the two newest snapshots are kept.
        await store.close()
        let reopened = try SQLiteJournalStore(path: path, snapshotPartBytes: 1_000)
        #expect(try await reopened.latestSnapshot() == SnapshotRecord(sequence: 12, payload: big + " "))
        #expect(try await reopened.snapshotSequences() == [9, 12])
    }
}

/// The same contract on PostgreSQL, when `MARGIN_TEST_POSTGRES_URL` is set (`.ci/run` sets it).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] != nil,
                "MARGIN_TEST_POSTGRES_URL is not set"))
struct PostgresStoreTests {
    static var url: String { ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] ?? "" }

    static func withPrefix(_ body: (String) async throws -> Void) async throws {
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))_"
        do {
            try await body(prefix)
        } catch {
            await drop(prefix)
            throw error
        }
        await drop(prefix)
    }

    static func drop(_ prefix: String) async {
        guard let store = try? await PostgresJournalStore(url: url, tablePrefix: prefix, mode: .readOnly) else { return }
        try? await store.dropTables()
        await store.close()
    }

    func withContract(_ body: (StoreContract) async throws -> Void) async throws {
        try await Self.withPrefix { prefix in
            let stores = Reopener { try await PostgresJournalStore(url: Self.url, tablePrefix: prefix) }
            try await body(StoreContract(open: stores.open))
            await stores.close()
        }
    }

    @Test("PostgreSQL: journal round trip") func journalRoundTrip() async throws {
        try await withContract { try await $0.journalRoundTrip() }
    }
    @Test("PostgreSQL: withdrawal below IM changes nothing")
    func withdrawal() async throws { try await withContract { try await $0.withdrawalRejection() } }
    @Test("PostgreSQL: recovery digest") func recovery() async throws {
        try await withContract { try await $0.recoveryDigest() }
    }
    @Test("PostgreSQL: a background snapshot while events continue")
    func background() async throws { try await withContract { try await $0.backgroundSnapshot() } }

    @Test("PostgreSQL: a bad URL names the field")
    func badURL() async {
        await #expect(throws: EngineError.invalid(field: "url", reason: "expected postgres://user:password@host:port/database")) {
            try await PostgresJournalStore(url: "mysql://x")
        }
    }
}
