import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Group commit (``RiskEngine/submitWrites(_:)``): client writes gathered into one append, each validated against
/// the state the ones before it leave, acknowledged only once durable; a failed append acknowledges nothing of the
/// batch and leaves the engine exactly at the last durable state.
@Suite struct GroupCommitTests {
    typealias F = EngineFixtures

    static func deposit(_ account: String, _ amount: Decimal) -> EngineEvent {
        .deposit(Transfer(account: account, currency: "USD", amount: amount))
    }

    static func withdrawal(_ account: String, _ amount: Decimal) -> EngineEvent {
        .withdrawal(Transfer(account: account, currency: "USD", amount: amount))
    }

    /// carol with 10,000 USD, and a perpetual buy of about 2,000 USD notional for her.
    static func carol(_ engine: RiskEngine) async throws -> EngineEvent {
        try await engine.submit(deposit("carol", 10_000))
        let index = await engine.state.markets["BTC"]!.index
        let quantity = Decimal(string: String(format: "%.4f", 2_000 / index))!
        return F.trade(account: "carol", instrument: "BTC-PERP", quantity: quantity, price: Decimal(Int(index)))
    }

    static func accepted(_ r: Result<ClientWriteOutcome, EngineError>) -> UInt64? {
        if case .success(.accepted(let ack, _)) = r { return ack.sequence }
        return nil
    }

    static func rejected(_ r: Result<ClientWriteOutcome, EngineError>) -> EngineError? {
        if case .success(.rejected(let error, _)) = r { return error }
        return nil
    }

    @Test("in order within one batch: a trade refused because of the withdrawal before it, and the reverse; one append each")
    func inOrderValidation() async throws {
        for tradeFirst in [false, true] {
            let journal = FaultyJournal()
            let engine = try await F.emptyEngine(store: journal)
            let trade = try await Self.carol(engine)
            let attempts = journal.appends.attempts
            let writes = [ClientWrite(Self.withdrawal("carol", 10_000)), ClientWrite(trade)]
            let results = await engine.submitWrites(tradeFirst ? writes.reversed() : writes)
            #expect(journal.appends.attempts == attempts + 1, "one append for the batch")
            #expect(Self.accepted(results[0]) != nil, "\(results[0])")
            let refused = Self.rejected(results[1])
            if tradeFirst {
                // The withdrawal would leave her open position below initial margin.
                #expect(refused != nil && refused?.isRejection == true, "\(results[1])")
                #expect(await engine.state.accounts["carol"]?.balances["USD"] == 10_000)
            } else {
                guard case .belowInitialMargin(let account, _, _)? = refused else {
                    Issue.record("expected the trade refused below initial margin: \(results[1])"); continue
                }
                #expect(account == "carol")
                #expect(await engine.state.accounts["carol"]?.positions.isEmpty != false)
            }
            #expect(await engine.checkInvariants().isEmpty)
            #expect(engine.counters.rejected == 1)
        }
    }

    @Test("atomic: a failing append acknowledges nothing of the batch and leaves state and margins at the last durable ones")
    func failedAppendAcknowledgesNothing() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal, faultPolicy: .stop)
        let trade = try await Self.carol(engine)
        let state = await engine.state
        let margins = await engine.margins
        let journaled = journal.inner.count
        let acknowledged = engine.counters.acknowledged
        journal.failAppends(message: "disk full (ENOSPC)")
        let results = await engine.submitWrites([
            ClientWrite(Self.deposit("dave", 500)), ClientWrite(trade), ClientWrite(Self.withdrawal("carol", 1)),
        ])
        #expect(results.count == 3)
        for r in results {
            guard case .failure(let error) = r else { Issue.record("acknowledged: \(r)"); continue }
            #expect(error.isStorageFault)
        }
        #expect(await engine.state == state, "back at the last durable state")
        #expect(await engine.margins == margins, "margins of the durable state, no account added")
        #expect(journal.inner.count == journaled)
        #expect(engine.counters.acknowledged == acknowledged)
        #expect(engine.counters.storageFaults == 3)
        guard case .stopped = engine.status else { Issue.record("expected stopped: \(engine.status)"); return }
    }

    @Test("retry: while the append is retried reads see the last durable state; once durable the batch is committed exactly once")
    func retriedBatch() async throws {
        let journal = FaultyJournal()
        let fast = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(5), maximum: .milliseconds(20)))
        let engine = try await F.emptyEngine(store: journal, faultPolicy: fast)
        let trade = try await Self.carol(engine)
        let state = await engine.state
        let journaled = journal.inner.count
        journal.failAppends(message: "disk full")
        let inFlight = Task { await engine.submitWrites([ClientWrite(trade), ClientWrite(Self.deposit("dave", 5))]) }
        for _ in 0..<2_000 where engine.status.fault == nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(engine.status.fault != nil)
        #expect(await engine.state == state, "a faulted batch is not visible")
        journal.heal()
        let results = await inFlight.value
        #expect(results.allSatisfy { Self.accepted($0) != nil }, "\(results)")
        #expect(engine.status == .ready)
        let after = await engine.state
        #expect(after.accounts["dave"]?.balances["USD"] == 5)
        #expect(after.accounts["carol"]?.positions["BTC-PERP"] != nil)
        #expect(journal.inner.count > journaled && UInt64(journal.inner.count) == after.sequence)
        // Replay gives the same state and margins.
        let replayed = try await RiskEngine.open(store: journal.inner)
        #expect(await replayed.digest == (await engine.digest))
    }

    @Test("concurrent submitters are gathered into fewer appends than writes, all acknowledged, and replay gives the same digest")
    func concurrentWritesAreGathered() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal)
        journal.delayAppends(by: .milliseconds(20))
        let attempts = journal.appends.attempts
        let acks = try await withThrowingTaskGroup(of: Acknowledgement.self) { group in
            for i in 0..<64 {
                group.addTask { try await engine.submit(Self.deposit("acct-\(i % 8)", Decimal(i + 1))) }
            }
            var out: [Acknowledgement] = []
            for try await ack in group { out.append(ack) }
            return out
        }
        #expect(acks.count == 64)
        #expect(Set(acks.map(\.sequence)).count == 64)
        #expect(journal.appends.attempts - attempts < 64, "gathered: \(journal.appends.attempts - attempts) appends")
        let total = await engine.state.accounts.filter { $0.key.hasPrefix("acct-") }.values
            .reduce(Decimal(0)) { $0 + ($1.balances["USD"] ?? 0) }
        #expect(total == Decimal(64 * 65 / 2))
        journal.delayAppends(by: nil)
        let replayed = try await RiskEngine.open(store: journal.inner)
        #expect(await replayed.digest == (await engine.digest))
    }
}
