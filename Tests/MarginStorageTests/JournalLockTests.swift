import Foundation
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import MarginStorage
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One writer per journal: a second engine refuses to start with an error saying the journal is in use; the
/// lock dies with its holder; reading (replay) takes no lock and creates nothing.
@Suite struct JournalLockTests {
    /// Runs the crash tester on `db` until it exits; its status and standard error.
    static func runTester(db: String, events: Int = 5) throws -> (status: Int32, err: String, out: String) {
        let tester = try #require(CrashTests.testerURL(), "build MarginCrashTester first (swift build --build-tests)")
        let process = Process()
        process.executableURL = tester
        process.arguments = ["--db", db, "--events", String(events)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errData, as: UTF8.self),
                String(decoding: outData, as: UTF8.self))
    }

    @Test("SQLite: a second writer in the same process fails with 'journal is in use'; once the first closes, it opens")
    func secondWriterInProcess() async throws {
        let path = temporaryPath("locked.sqlite")
        let first = try SQLiteJournalStore(path: path)
        do {
            _ = try SQLiteJournalStore(path: path)
            Issue.record("a second writer opened")
        } catch {
            guard case .journalInUse = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("journal is in use"), "\(error)")
            #expect(error.description.contains("process \(getpid())"), "names the holder: \(error)")
        }
        await first.close()
        let second = try SQLiteJournalStore(path: path)
        await second.close()
    }

    @Test("SQLite: the lock is the file's, not the path's: a symbolic link and a hard link to a journal in use are refused, in this process and in another (issue 19, finding 8)")
    func aliasesOfAJournalInUse() async throws {
        let path = temporaryPath("aliased.sqlite")
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let symlink = directory + "/alias.sqlite"
        let hardlink = directory + "/hard.sqlite"
        let store = try SQLiteJournalStore(path: path)
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: path)
        try #require(link(path, hardlink) == 0, "hard link")
        for alias in [symlink, hardlink] {
            do {
                _ = try SQLiteJournalStore(path: alias)
                Issue.record("a second writer opened through \(alias)")
            } catch {
                guard case .journalInUse = error else { Issue.record("unexpected \(error)"); continue }
            }
            let r = try Self.runTester(db: alias)
            #expect(r.status == 1, "another process through \(alias): \(r.err)")
            #expect(r.err.contains("journal is in use"), "\(r.err)")
            #expect(!r.out.contains("READY"), "the second engine never started")
        }
        await store.close()
        // Released: a writer opens through either alias.
        for alias in [symlink, hardlink] {
            let other = try SQLiteJournalStore(path: alias)
            await other.close()
        }
    }

    @Test("SQLite: a lock this process released but a spawning child still shares (its fork's copy, gone at exec) is waited for, not refused")
    func lingeringForkCopyIsWaitedFor() async throws {
        let path = temporaryPath("lingering.sqlite")
        // Stand-in for the child's copy: another open file description of the lock file, flocked, with this
        // process's id in it (what the released lock left there), closed after 150 ms.
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        // A thread of its own (the opening below blocks its caller while it waits, and the cooperative pool may
        // have no other thread free).
        let releasing = ReleaseFlag()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.15)
            releasing.value.store(true, ordering: .sequentiallyConsistent)
            close(fd)
        }
        let store = try SQLiteJournalStore(path: path)
        // It can only have opened after the copy's close, which comes after the flag.
        let released = releasing.value.load(ordering: .sequentiallyConsistent)
        #expect(released, "it waited for the copy to go")
        await store.close()
    }

    @Test("SQLite: a second engine PROCESS on a journal held here exits 1 saying the journal is in use, and writes nothing")
    func secondWriterProcess() async throws {
        let path = temporaryPath("held.sqlite")
        let store = try SQLiteJournalStore(path: path)
        let engine = try await RiskEngine.open(store: store, genesis: CrashWorkload.genesis())
        try await engine.submit(.deposit(Transfer(account: "acct-00", currency: "USD", amount: 1)))
        let sequence = await engine.sequence
        let r = try Self.runTester(db: path)
        #expect(r.status == 1)
        #expect(r.err.contains("journal is in use"), "\(r.err)")
        #expect(!r.out.contains("READY"), "the second engine never started")
        #expect(try await store.lastSequence() == sequence)
        // The first engine goes on as if nothing happened.
        try await engine.submit(.deposit(Transfer(account: "acct-00", currency: "USD", amount: 1)))
        #expect(try await store.lastSequence() == sequence + 1)
        await engine.close()
        // Released: the tester now runs.
        #expect(try Self.runTester(db: path).status == 0)
    }

    @Test("SQLite: the lock dies with its process: while the tester runs the journal is in use, after SIGKILL a writer opens")
    func lockDiesWithProcess() async throws {
        let tester = try #require(CrashTests.testerURL(), "build MarginCrashTester first (swift build --build-tests)")
        let path = temporaryPath("killed.sqlite")
        let process = Process()
        process.executableURL = tester
        process.arguments = ["--db", path, "--events", "1000000"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first acknowledged event.
        var buffer = Data()
        while !String(decoding: buffer, as: UTF8.self).contains("ACK") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        #expect(String(decoding: buffer, as: UTF8.self).contains("ACK"))
        #expect(throws: EngineError.self) { try SQLiteJournalStore(path: path) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let store = try SQLiteJournalStore(path: path)
        #expect(try await store.lastSequence() > 0)
        await store.close()
    }

    @Test("SQLite read-only: a missing journal is an error and creates no file")
    func readOnlyMissing() throws {
        let path = temporaryPath("missing.sqlite")
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            _ = try SQLiteJournalStore(path: path, mode: .readOnly)
            Issue.record("opened a missing journal")
        } catch {
            #expect(error.description.contains("does not exist"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no database, WAL, SHM or lock file")
    }

    @Test("SQLite read-only: opens beside a live writer (no lock), reads its journal, refuses to write")
    func readOnlyBesideWriter() async throws {
        let path = temporaryPath("shared.sqlite")
        let engine = try await RiskEngine.open(store: try SQLiteJournalStore(path: path), genesis: CrashWorkload.genesis())
        try await engine.submit(.deposit(Transfer(account: "acct-00", currency: "USD", amount: 1)))
        let reader = try SQLiteJournalStore(path: path, mode: .readOnly)
        #expect(try await reader.lastSequence() == engine.sequence)
        await #expect(throws: EngineError.self) {
            try await reader.append([JournalRecord(sequence: 99, payload: "{}")])
        }
        let replayed = try await RiskEngine.open(store: reader, faultPolicy: .stop)
        #expect(await replayed.digest == engine.digest)
        await replayed.close()
        // A file that is not a journal is refused too.
        let other = temporaryPath("other.sqlite")
        _ = FileManager.default.createFile(atPath: other, contents: Data())
        #expect(throws: EngineError.self) { try SQLiteJournalStore(path: other, mode: .readOnly) }
        await engine.close()
    }
}

/// One writer on PostgreSQL: the advisory lock.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] != nil,
                "MARGIN_TEST_POSTGRES_URL is not set"))
struct PostgresLockTests {
    static var url: String { PostgresStoreTests.url }

    @Test("PostgreSQL: a second writer on the same journal fails with 'journal is in use'; a reader opens beside it; after the first closes, a writer opens")
    func secondWriter() async throws {
        try await PostgresStoreTests.withPrefix { prefix in
            let first = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            do throws(EngineError) {
                _ = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
                Issue.record("a second writer opened")
            } catch {
                guard case .journalInUse = error else { Issue.record("unexpected \(error)"); return }
                #expect(error.description.contains("journal is in use"), "\(error)")
            }
            // Another journal (prefix) in the same database is not affected.
            let unrelated = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix + "x_")
            try await unrelated.dropTables()
            await unrelated.close()
            let reader = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
            #expect(try await reader.lastSequence() == 0)
            await reader.close()
            await first.close()
            let second = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            await second.close()
        }
    }

    @Test("PostgreSQL read-only: a journal that does not exist is an error and creates no table")
    func readOnlyMissing() async throws {
        let prefix = "missing\(UInt32.random(in: 0...UInt32.max))_"
        await #expect(throws: EngineError.self) {
            try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
        }
        await #expect(throws: EngineError.self) {
            try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
        }
    }
}

/// Set by the thread that closes the stand-in copy of a lock, just before it does.
final class ReleaseFlag: Sendable {
    let value = Atomic<Bool>(false)
}
