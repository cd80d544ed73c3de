import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Storage faults are not rejections: a failed append (``FaultyJournal``) stops acknowledgements, reports the
/// engine unhealthy with the reason, is counted apart, and ends in a retry that commits exactly once or a clean
/// stop, per ``StorageFaultPolicy``.
@Suite struct RiskEngineFaultTests {
    typealias F = EngineFixtures

    static let fast = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(5), maximum: .milliseconds(20)))

    static func deposit(_ account: String = "bob", _ amount: Decimal = 5) -> EngineEvent {
        .deposit(Transfer(account: account, currency: "USD", amount: amount))
    }

    /// Waits (polling, up to 10 s) until `condition` holds.
    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<2_000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    @Test("stop policy: after a failed append nothing is acknowledged, the state is unchanged, the engine is stopped with the reason, and faults are counted apart from rejections")
    func stopPolicy() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: .stop)
        try await engine.submit(Self.deposit("bob", 1_000))
        await #expect(throws: EngineError.self) {
            try await engine.submit(F.trade(account: "bob", instrument: "NOPE", quantity: 1, price: 1))
        }
        let before = await engine.state
        let journaled = journal.inner.count
        let acknowledged = engine.counters.acknowledged
        journal.failAppends(message: "disk full (ENOSPC)")
        await #expect(throws: EngineError.storage("disk full (ENOSPC)")) { try await engine.submit(Self.deposit()) }
        #expect(engine.status.fault?.reason == "disk full (ENOSPC)")
        guard case .stopped = engine.status else { Issue.record("expected stopped, got \(engine.status)"); return }
        #expect(!engine.status.isReady)
        // Later submits fail fast: the journal is not even tried.
        let attempts = journal.appends.attempts
        await #expect(throws: EngineError.self) { try await engine.submit(Self.deposit()) }
        #expect(journal.appends.attempts == attempts)
        // Nothing applied, nothing journaled, counted apart.
        #expect(await engine.state == before)
        #expect(journal.inner.count == journaled)
        let counters = engine.counters
        #expect(counters.rejected == 1)
        #expect(counters.storageFaults == 2)
        #expect(counters.acknowledged == acknowledged)
        #expect(counters.faults == 1 && counters.recoveries == 0)
        // Healing the disk does not restart a stopped engine.
        journal.heal()
        await #expect(throws: EngineError.self) { try await engine.submit(Self.deposit()) }
        #expect(journal.inner.count == journaled)
    }

    @Test("retry policy: while faulted, submits fail fast and the status carries the reason; once the fault clears the event in flight is committed exactly once and the engine is ready")
    func retryPolicy() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: Self.fast)
        try await engine.submit(Self.deposit("bob", 1_000))
        let before = await engine.state
        let journaled = journal.inner.count
        journal.failAppends(message: "disk full")
        let inFlight = Task { try await engine.submit(Self.deposit("bob", 7)) }
        #expect(await Self.eventually { engine.status.fault != nil })
        guard case .faulted(let fault) = engine.status else { Issue.record("not faulted: \(engine.status)"); return }
        #expect(fault.reason == "disk full")
        // Another submit is refused at once, and the state is the one before the fault.
        await #expect(throws: EngineError.self) { try await engine.submit(Self.deposit("alice", 1)) }
        #expect(await engine.state == before)
        #expect(await Self.eventually { journal.appends.failures >= 4 }, "retries with backoff")
        #expect(journal.inner.count == journaled, "nothing written while failing")
        journal.heal()
        let ack = try await inFlight.value
        #expect(ack.sequence == before.sequence + 1)
        #expect(engine.status == .ready)
        let records = try await journal.inner.allRecords(after: 0)
        #expect(records.count == journaled + 1, "committed exactly once")
        #expect(try EngineEvent(payload: records.last!.payload) == Self.deposit("bob", 7))
        #expect(await engine.state.accounts["alice"] == nil, "the refused submit was never applied")
        #expect(await engine.state.accounts["bob"]?.balances["USD"] == 1_007)
        let counters = engine.counters
        #expect(counters.faults == 1 && counters.recoveries == 1)
        #expect(counters.storageFaults == 1 && counters.rejected == 0)
        // And it goes on.
        try await engine.submit(Self.deposit("bob", 1))
        #expect(await engine.state.accounts["bob"]?.balances["USD"] == 1_008)
    }

    @Test("ambiguous commit: an append that threw after writing is found in the journal and committed once, never appended twice", arguments: [true, false])
    func ambiguousCommit(retry: Bool) async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: retry ? Self.fast : .stop)
        try await engine.submit(Self.deposit("bob", 100))
        let journaled = journal.inner.count
        journal.failNextAppend(.afterWrite, message: "connection lost after COMMIT")
        let ack = try await engine.submit(Self.deposit("bob", 5))
        #expect(ack.sequence == UInt64(journaled + 1))
        #expect(journal.inner.count == journaled + 1)
        #expect(await engine.state.accounts["bob"]?.balances["USD"] == 105)
        #expect(await engine.sequence == UInt64(journal.inner.count))
        if retry {
            #expect(engine.status == .ready)
        } else {
            guard case .stopped = engine.status else { Issue.record("stop policy: \(engine.status)"); return }
        }
    }

    @Test("a journal that moved on behind the engine's back (another writer) is fatal: the engine stops and writes nothing")
    func divergedJournalIsFatal() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: Self.fast)
        let last = try journal.inner.lastSequence()
        journal.failAppends()
        let inFlight = Task { try await engine.submit(Self.deposit("bob", 5)) }
        #expect(await Self.eventually { journal.appends.failures >= 1 })
        // Someone else appends two records meanwhile.
        let foreign = Self.deposit("mallory", 1).payload
        try journal.inner.append([JournalRecord(sequence: last + 1, payload: foreign),
                                  JournalRecord(sequence: last + 2, payload: foreign)])
        journal.heal()
        await #expect(throws: EngineError.self) { try await inFlight.value }
        guard case .stopped(let fault?) = engine.status else { Issue.record("expected stopped: \(engine.status)"); return }
        #expect(fault.reason.contains("another writer"))
        #expect(journal.inner.count == Int(last) + 2)
        #expect(await engine.state.accounts["mallory"] == nil)
    }

    @Test("the same sequence holding someone else's record is not taken for an ambiguous commit")
    func foreignRecordAtTheSameSequence() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: Self.fast)
        let last = try journal.inner.lastSequence()
        journal.failAppends()
        let inFlight = Task { try await engine.submit(Self.deposit("bob", 5)) }
        #expect(await Self.eventually { journal.appends.failures >= 1 })
        try journal.inner.append([JournalRecord(sequence: last + 1, payload: Self.deposit("mallory", 1).payload)])
        journal.heal()
        await #expect(throws: EngineError.self) { try await inFlight.value }
        #expect(engine.status.fault?.reason.contains("another writer") == true)
        #expect(await engine.state.accounts["bob"] == nil)
    }

    @Test("reads failing too (a lost connection): the engine stays faulted with the latest error and recovers when the journal is back")
    func lostConnection() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: Self.fast)
        journal.failAppends(message: "connection refused", reads: true)
        let inFlight = Task { try await engine.submit(Self.deposit("bob", 5)) }
        #expect(await Self.eventually { (engine.status.fault?.attempts ?? 0) >= 3 })
        #expect(engine.status.fault?.reason == "connection refused")
        journal.heal()
        let ack = try await inFlight.value
        #expect(ack.sequence == UInt64(journal.inner.count))
        #expect(engine.status == .ready)
    }

    @Test("retries run out: the engine stops after the configured attempts and the submitter gets the fault")
    func retriesRunOut() async throws {
        let journal = FaultyJournal()
        let policy = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(1), maximum: .milliseconds(2), attempts: 3))
        let engine = try await F.emptyEngine(store: journal, faultPolicy: policy)
        let before = await engine.state
        journal.failAppends()
        await #expect(throws: EngineError.storage("disk full")) { try await engine.submit(Self.deposit()) }
        #expect(journal.appends.failures == 4, "the append and 3 retries")
        guard case .stopped(let fault?) = engine.status else { Issue.record("expected stopped: \(engine.status)"); return }
        #expect(fault.attempts == 3 && fault.reason.contains("gave up after 3 retries"))
        #expect(await engine.state == before)
    }

    @Test("a failed health-change append faults the engine; the event stays acknowledged and its health changes are journaled once the fault clears")
    func healthAppendFault() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: Self.fast)
        // Liquidation off: this is about health events (with it on, d would be taken over at 75,000; the
        // liquidation tests, Liquidation/, follow that).
        var settings = await engine.state.liquidation
        settings.enabled = false
        try await engine.submit(.liquidationSettings(settings))
        try await engine.submit(.deposit(Transfer(account: "d", currency: "USD", amount: 3_000)))
        try await engine.submit(F.trade(account: "d", instrument: "BTC-PERP", quantity: F.dec("0.1"), price: 100_000))
        let btc = await engine.state.markets["BTC"]!
        // The market event's append succeeds; the health batch after it fails until healed.
        journal.failAppends(after: 1)
        let inFlight = Task {
            try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: 75_000)))
        }
        #expect(await Self.eventually { journal.appends.failures >= 2 })
        #expect(engine.status.fault != nil)
        journal.heal()
        let ack = try await inFlight.value
        #expect(!ack.healthChanges.isEmpty)
        let records = try await journal.inner.allRecords(after: 0)
        #expect(try EngineEvent(payload: records.last!.payload).kind == "health")
        #expect(await engine.sequence == records.last!.sequence)
        #expect(await engine.state.accounts["d"]?.health == ack.healthChanges.last?.to)
        #expect(engine.status == .ready)
    }

    @Test("close() interrupts a retry: its submitter gets the storage fault, the engine is stopped on it, nothing was applied")
    func closeInterruptsRetry() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: .retry(Backoff(initial: .seconds(30))))
        let before = await engine.state
        journal.failAppends()
        let inFlight = Task { try await engine.submit(Self.deposit()) }
        #expect(await Self.eventually { engine.status.fault != nil })
        let start = ContinuousClock.now
        await engine.close()
        #expect(ContinuousClock.now - start < .seconds(5), "the 30 s backoff was interrupted")
        await #expect(throws: EngineError.storage("disk full")) { try await inFlight.value }
        guard case .stopped(let fault?) = engine.status else { Issue.record("expected stopped: \(engine.status)"); return }
        #expect(fault.reason.contains("closed while faulted"))
        #expect(await engine.state == before)
    }

    @Test("market ticks offered during a fault stay conflated and the latest is applied once the fault clears")
    func ticksDuringFault() async throws {
        let journal = FaultyJournal()
        let engine = try await F.engine(F.genesis(), store: journal, faultPolicy: Self.fast)
        let btc = await engine.state.markets["BTC"]!
        let loop = Task { await engine.runMarketLoop() }
        journal.failAppends()
        engine.offer(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: 1), index: btc.index * 1.01))
        #expect(await Self.eventually { engine.status.fault != nil })
        for k in 2...20 {
            engine.offer(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: Int64(k)),
                                      index: btc.index * (1 + 0.001 * Double(k))))
        }
        #expect(engine.conflator.pendingCount == 1, "ticks conflate while the engine is faulted")
        journal.heal()
        #expect(await Self.eventually { await engine.state.markets["BTC"]?.time == btc.time.adding(seconds: 20) })
        #expect(await engine.state.markets["BTC"]?.index == btc.index * 1.02)
        #expect(engine.status == .ready)
        await engine.shutdown()
        await loop.value
    }
}
