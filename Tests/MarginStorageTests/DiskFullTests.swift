import Foundation
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStorage
import MarginTestSupport
import Synchronization
import Testing

/// A real full disk: the SQLite journal on a tmpfs of a few hundred KiB (``TinyFilesystem``; skipped where this
/// process may not mount). Storage faults are not rejections, and the journal stays consistent.
@Suite(.enabled(if: TinyFilesystem.isAvailable, "mounting a tmpfs is not permitted here: full-disk tests skipped"),
       .serialized)
struct DiskFullTests {
    /// Deposits submitted one after the other in the background; acknowledged sequences recorded.
    final class Depositor: Sendable {
        let acknowledged = Mutex<[UInt64]>([])
        let failures = Mutex<[EngineError]>([])
        let stop = Atomic<Bool>(false)
        let task = Mutex<Task<Void, Never>?>(nil)

        func start(_ engine: RiskEngine) {
            let t = Task {
                var k = 0
                while !stop.load(ordering: .acquiring) {
                    k += 1
                    let event = EngineEvent.deposit(Transfer(account: "acct-0\(k % 10)", currency: "USD",
                                                             amount: Decimal(k)))
                    do throws(EngineError) {
                        let ack = try await engine.submit(event)
                        acknowledged.withLock { $0.append(ack.sequence) }
                    } catch {
                        failures.withLock { $0.append(error) }
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            task.withLock { $0 = t }
        }

        func finish() async {
            stop.store(true, ordering: .releasing)
            await task.withLock { $0 }?.value
        }

        var count: Int { acknowledged.withLock { $0.count } }
    }

    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<3_000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// The journal on disk is contiguous, decodes, and ends at `sequence`.
    static func checkJournal(_ path: String, endsAt sequence: UInt64) async throws {
        let reader = try SQLiteJournalStore(path: path, mode: .readOnly)
        let records = try await reader.allRecords(after: 0)
        #expect(try await reader.lastSequence() == sequence)
        if let first = records.first {
            #expect(records.map(\.sequence) == Array(first.sequence...sequence), "contiguous")
        }
        for r in records { _ = try EngineEvent(payload: r.payload) }
        await reader.close()
    }

    @Test("full disk, retry policy: acknowledgements stop, the reason is reported, faults are counted apart from rejections; the journal stays consistent; once the disk grows the event in flight is committed once and the engine goes on")
    func retry() async throws {
        let fs = try #require(TinyFilesystem(kibibytes: 512))
        defer { fs.unmount() }
        let path = fs.file("journal.sqlite")
        let policy = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(10), maximum: .milliseconds(50)))
        let engine = try await RiskEngine.open(store: try SQLiteJournalStore(path: path),
                                               genesis: CrashWorkload.genesis(), faultPolicy: policy)
        let depositor = Depositor()
        depositor.start(engine)
        #expect(await Self.eventually { engine.status.fault != nil }, "the disk fills up")
        let fault = try #require(engine.status.fault)
        #expect(fault.reason.contains("full"), "\(fault.reason)")
        let acknowledged = depositor.count
        let sequence = await engine.sequence
        try await Task.sleep(for: .milliseconds(200))
        #expect(depositor.count == acknowledged, "nothing acknowledged while faulted")
        #expect(await engine.sequence == sequence, "state unchanged while faulted")
        await #expect(throws: EngineError.self) {
            try await engine.submit(.deposit(Transfer(account: "acct-01", currency: "USD", amount: 1)))
        }
        let counters = engine.counters
        #expect(counters.rejected == 0 && counters.storageFaults >= 1 && counters.faults == 1)
        try await Self.checkJournal(path, endsAt: sequence)
        // Clear the fault: the retry commits the deposit in flight, and deposits go on.
        #expect(fs.resize(kibibytes: 65_536))
        #expect(await Self.eventually { engine.status.isReady })
        #expect(await Self.eventually { depositor.count > acknowledged + 5 })
        await depositor.finish()
        let acked = depositor.acknowledged.withLock { $0 }
        #expect(Set(acked).count == acked.count, "no sequence acknowledged twice")
        #expect(engine.counters.recoveries == 1)
        let digest = await engine.digest
        let last = await engine.sequence
        await engine.close()
        try await Self.checkJournal(path, endsAt: last)
        let recovered = try await RiskEngine.open(store: try SQLiteJournalStore(path: path, mode: .readOnly),
                                                  faultPolicy: .stop)
        #expect(await recovered.digest == digest, "the recovered state is the live one")
        await recovered.close()
    }

    @Test("full disk, stop policy: the engine stops on the fault, the event in flight is not acknowledged, and the journal ends at the last acknowledged event")
    func stop() async throws {
        let fs = try #require(TinyFilesystem(kibibytes: 512))
        defer { fs.unmount() }
        let path = fs.file("journal.sqlite")
        let engine = try await RiskEngine.open(store: try SQLiteJournalStore(path: path),
                                               genesis: CrashWorkload.genesis(), faultPolicy: .stop)
        let depositor = Depositor()
        depositor.start(engine)
        #expect(await Self.eventually { if case .stopped = engine.status { return true } else { return false } })
        await depositor.finish()
        let failures = depositor.failures.withLock { $0 }
        #expect(!failures.isEmpty && failures.allSatisfy(\.isStorageFault), "\(failures.prefix(3))")
        #expect(failures.first?.description.contains("full") == true, "\(failures.first.map { "\($0)" } ?? "")")
        let digest = await engine.digest
        let sequence = await engine.sequence
        #expect(depositor.acknowledged.withLock { $0.last } ?? 0 <= sequence)
        await engine.close()
        try await Self.checkJournal(path, endsAt: sequence)
        let recovered = try await RiskEngine.open(store: try SQLiteJournalStore(path: path, mode: .readOnly),
                                                  faultPolicy: .stop)
        #expect(await recovered.digest == digest)
        await recovered.close()
    }
}
