import Foundation
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import MarginStorage
import Synchronization
import Testing

/// A lost PostgreSQL connection is a storage fault like any other: reported, reconnected with backoff once the
/// server answers again, resumed on the journal's last sequence, with no acknowledged event lost or duplicated.
/// The loss is real: the test terminates the engine's server process (`pg_terminate_backend`) from a second
/// connection, as a server restart or a network cut would end it.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MARGIN_TEST_POSTGRES_URL"] != nil,
                "MARGIN_TEST_POSTGRES_URL is not set"), .serialized)
struct PostgresReconnectTests {
    /// Deposits submitted in a loop by several tasks; acknowledged events by sequence, refusals apart.
    final class Load: Sendable {
        private let state = Mutex((acked: [UInt64: EngineEvent](), refused: 0, rejections: [EngineError]()))
        private let stopped = Atomic<Bool>(false)

        func run(_ engine: RiskEngine, submitters: Int) async {
            await withTaskGroup(of: Void.self) { group in
                for submitter in 0..<submitters {
                    group.addTask { await self.submit(engine, from: submitter) }
                }
            }
        }

        private func submit(_ engine: RiskEngine, from submitter: Int) async {
            var k = submitter * 1_000_000
            while !stopped.load(ordering: .acquiring) {
                k += 1
                let event = PostgresReconnectTests.deposit(k)
                do throws(EngineError) {
                    let ack = try await engine.submit(event)
                    state.withLock { $0.acked[ack.sequence] = event }
                } catch {
                    state.withLock { s in
                        if error.isStorageFault { s.refused += 1 } else { s.rejections.append(error) }
                    }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            }
        }

        func stop() { stopped.store(true, ordering: .releasing) }
        var acknowledged: [UInt64: EngineEvent] { state.withLock { $0.acked } }
        var acknowledgedCount: Int { state.withLock { $0.acked.count } }
        var refusedCount: Int { state.withLock { $0.refused } }
        var rejections: [EngineError] { state.withLock { $0.rejections } }
    }

    static var url: String { PostgresStoreTests.url }
    static let policy = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(20), maximum: .milliseconds(200)))

    static func deposit(_ k: Int) -> EngineEvent {
        .deposit(Transfer(account: "acct-0\(k % 10)", currency: "USD", amount: Decimal(k)))
    }

    @Test("a terminated backend: the engine reconnects (taking the lock again) and commits the next event once")
    func terminatedWhileIdle() async throws {
        try await PostgresStoreTests.withPrefix { prefix in
            let store = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            let admin = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
            let engine = try await RiskEngine.open(store: store, genesis: CrashWorkload.genesis(),
                                                   faultPolicy: Self.policy)
            for k in 1...5 { try await engine.submit(Self.deposit(k)) }
            let before = await engine.sequence
            #expect(try await admin.terminateBackends(applicationName: store.journalApplicationName) == 1)
            let ack = try await engine.submit(Self.deposit(6))
            #expect(ack.sequence == before + 1)
            #expect(engine.status == .ready)
            // Found lost before the append (reconnected at once) or by the append (a fault, then a retry).
            #expect(engine.counters.faults == engine.counters.recoveries)
            #expect(store.reconnects >= 1)
            let records = try await admin.allRecords(after: 0)
            #expect(records.map(\.sequence) == Array(1...ack.sequence))
            #expect(try EngineEvent(payload: records.last!.payload) == Self.deposit(6))
            // Still the one writer: the lock was taken again on the new connection.
            await #expect(throws: EngineError.self) {
                try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            }
            await engine.close()
            await admin.close()
        }
    }

    @Test("an outage of 1.5 s under load (every reconnect terminated again): the engine reports the fault, recovers after it, and every acknowledged event is in the journal exactly once")
    func outageUnderLoad() async throws {
        try await PostgresStoreTests.withPrefix { prefix in
            let store = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            let admin = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
            let engine = try await RiskEngine.open(store: store, genesis: CrashWorkload.genesis(),
                                                   faultPolicy: Self.policy)
            // Two submitters. With group commit a write gathered into the batch in flight waits for its retry (and is
            // acknowledged once durable); a write arriving while the engine is faulted is refused. Which of the two
            // each submitter meets depends on timing (both often share the batch in flight), so neither is required:
            // what is required is below (the fault reported, recovery, nothing lost or doubled).
            let load = Load()
            let loadTask = Task { await load.run(engine, submitters: 2) }
            try await Task.sleep(for: .milliseconds(300))
            // The outage: terminate the journal connection, and every reconnection, for 1.5 s.
            var sawFault = false
            let outageEnd = ContinuousClock.now + .milliseconds(1_500)
            while ContinuousClock.now < outageEnd {
                _ = try await admin.terminateBackends(applicationName: store.journalApplicationName)
                if engine.status.fault != nil { sawFault = true }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(sawFault, "the fault was reported (status faulted)")
            let duringOutage = load.acknowledgedCount
            // The server answers again: the engine recovers and acknowledges again.
            var recovered = false
            for _ in 0..<500 {
                if engine.status.isReady, load.acknowledgedCount > duringOutage + 10 {
                    recovered = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(recovered, "status \(engine.status)")
            load.stop()
            await loadTask.value
            // Every submit ended acknowledged or refused by the storage fault (never a rejection).
            #expect(load.acknowledgedCount + load.refusedCount > duringOutage)
            #expect(load.rejections.isEmpty, "only storage faults, never rejections: \(load.rejections.prefix(3))")
            #expect(engine.counters.faults >= 1 && engine.counters.recoveries >= 1)
            let sequence = await engine.sequence
            await engine.close()
            // No acknowledged event lost or duplicated: the journal holds each at its acknowledged sequence.
            let records = try await admin.allRecords(after: 0)
            #expect(records.map(\.sequence) == Array(1...sequence), "contiguous, ends at the engine's sequence")
            let bySequence = Dictionary(uniqueKeysWithValues: records.map { ($0.sequence, $0.payload) })
            for (seq, event) in load.acknowledged {
                #expect(bySequence[seq] == event.payload, "acknowledged event at \(seq)")
            }
            let deposits = try records.map { try EngineEvent(payload: $0.payload) }.filter { $0.kind == "deposit" }
            #expect(deposits.count == Set(deposits.map(\.payload)).count, "no deposit journaled twice")
            // Replay equals the live engine.
            let replayed = try await RiskEngine.open(store: admin, faultPolicy: .stop)
            #expect(await replayed.sequence == sequence)
            await replayed.close()
        }
    }

    @Test("another writer takes the journal while the connection is lost: taking the lock again fails, and the engine stops with 'journal is in use'")
    func lockTakenMeanwhile() async throws {
        try await PostgresStoreTests.withPrefix { prefix in
            let store = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
            let admin = try await PostgresJournalStore(url: Self.url, tablePrefix: prefix, mode: .readOnly)
            let engine = try await RiskEngine.open(store: store, genesis: CrashWorkload.genesis(),
                                                   faultPolicy: Self.policy)
            try await engine.submit(Self.deposit(1))
            _ = try await admin.terminateBackends(applicationName: store.journalApplicationName)
            // The server ended the session, releasing its lock: a second writer gets it.
            var other: PostgresJournalStore?
            for _ in 0..<100 where other == nil {
                other = try? await PostgresJournalStore(url: Self.url, tablePrefix: prefix)
                if other == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let intruder = try #require(other)
            do throws(EngineError) {
                try await engine.submit(Self.deposit(2))
                Issue.record("acknowledged without the lock")
            } catch {
                guard case .journalInUse = error else { Issue.record("unexpected \(error)"); return }
            }
            guard case .stopped(let fault?) = engine.status else { Issue.record("status \(engine.status)"); return }
            #expect(fault.reason.contains("journal is in use"))
            await engine.close()
            await intruder.close()
            await admin.close()
        }
    }
}
