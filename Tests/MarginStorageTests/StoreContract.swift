import Foundation
import Synchronization
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import Testing

/// The journal-store contract, run against every implementation (SQLite and PostgreSQL) by the suites below.
/// `open` returns a store on the same underlying database each time it is called (a "restart").
struct StoreContract {
    /// Opens the store, after closing the previous one (a store holds the journal's writer lock).
    let open: () async throws -> any JournalStore

    static let time = Instant(secondsSinceEpoch: 1_767_225_600)

    static let events: [EngineEvent] = [
        .market(MarketUpdate(underlying: "BTC", time: time, index: 100_000.123456789, rate: 0.01,
                             surface: [VolQuote(expiry: time.adding(seconds: 86_400 * 30), strikes: [90_000, 110_000],
                                                vols: [0.6, 0.55])])),
        .listing(Listing(id: "BTC-PERP", instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear))),
        .deposit(Transfer(account: "ü \"quoted\"", currency: "USD", amount: Decimal(string: "1000.000000000000000001")!)),
        .trade(Trade(buyer: "lp", seller: "a", instrument: "BTC-PERP", quantity: Decimal(string: "0.001")!,
                     price: Decimal(string: "100000.5")!, sellerFee: Decimal(string: "0.01")!)),
        .health(HealthChange(account: "a", from: .healthy, to: .takeover, equity: -1.0 / 3.0, maintenanceMargin: 1e-310,
                             initialMargin: 1.3e-310)),
    ]

    /// Records round-trip exactly, in order; a gap or a repeated sequence is refused and writes nothing;
    /// snapshots round-trip and the latest wins.
    func journalRoundTrip() async throws {
        let store = try await open()
        #expect(try await store.lastSequence() == 0)
        #expect(try await store.latestSnapshot() == nil)
        let records = Self.events.enumerated().map { JournalRecord(sequence: UInt64($0 + 1), payload: $1.payload) }
        try await store.append(Array(records[0..<2]))
        try await store.append(Array(records[2...]))
        await #expect(throws: EngineError.self) { try await store.append([JournalRecord(sequence: 3, payload: "{}")]) }
        await #expect(throws: EngineError.self) {
            try await store.append([JournalRecord(sequence: 6, payload: "{}"), JournalRecord(sequence: 8, payload: "{}")])
        }
        let reopened = try await open()
        #expect(try await reopened.lastSequence() == 5)
        let back = try await reopened.allRecords(after: 0)
        #expect(back == records)
        #expect(try back.map { try EngineEvent(payload: $0.payload) } == Self.events)
        #expect(try await reopened.records(after: 2, limit: 2).map(\.sequence) == [3, 4])
        try await reopened.saveSnapshot(SnapshotRecord(sequence: 2, payload: "{\"a\":1}"))
        try await reopened.saveSnapshot(SnapshotRecord(sequence: 5, payload: "{\"b\":\"ü\"}"))
        #expect(try await open().latestSnapshot() == SnapshotRecord(sequence: 5, payload: "{\"b\":\"ü\"}"))
    }

    /// A withdrawal below initial margin is rejected and leaves state and journal unchanged.
    func withdrawalRejection() async throws {
        let store = try await open()
        let engine = try await RiskEngine.open(store: store, genesis: CrashWorkload.genesis())
        // An account whose equity outside its USD balance is below its IM: withdrawing the whole USD balance
        // would leave it below IM.
        let state0 = await engine.state
        let margins = await engine.margins
        let name = try #require(state0.accounts.keys.sorted().first { name in
            let m = margins[name]!
            let usd = Money.double(state0.accounts[name]!.balances["USD"] ?? 0)
            return m.initialMargin > 0 && m.equity - usd < m.initialMargin - 1
        })
        let m = margins[name]!
        try await engine.submit(.deposit(Transfer(account: name, currency: "USD", amount: Decimal(Int(m.initialMargin) + 10))))
        let before = await engine.state
        let journal = try await store.allRecords(after: 0)
        let balance = before.accounts[name]!.balances["USD"]!
        do {
            try await engine.submit(.withdrawal(Transfer(account: name, currency: "USD", amount: balance)))
            Issue.record("withdrawal below IM was accepted")
        } catch let error {
            guard case .belowInitialMargin = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(await engine.state == before)
        #expect(try await store.allRecords(after: 0) == journal)
        await engine.close()
        #expect(try await open().allRecords(after: 0) == journal)
    }

    /// Snapshot + journal recovery gives bit-identical margins and state.
    func recoveryDigest() async throws {
        let digest: String
        do {
            let engine = try await RiskEngine.open(store: try await open(), genesis: CrashWorkload.genesis())
            for step in 0..<40 {
                if case .event(let e) = CrashWorkload.next(state: await engine.state, seed: UInt64(step)) {
                    _ = try? await engine.submit(e)
                }
                if step == 20 { try await engine.writeSnapshot() }
            }
            digest = await engine.digest
            await engine.close()
        }
        let recovered = try await RiskEngine.open(store: try await open())
        #expect(await recovered.digest == digest)
        await recovered.close()
    }

    /// A snapshot written in the background while the writer keeps submitting events: recovery (that snapshot +
    /// the journal after it) gives the live engine's digest, and the snapshot is the state as of its start.
    func backgroundSnapshot() async throws {
        let engine = try await RiskEngine.open(store: try await open(), genesis: CrashWorkload.genesis())
        var step: UInt64 = 0
        func advance(_ n: Int) async {
            for _ in 0..<n {
                if case .event(let e) = CrashWorkload.next(state: await engine.state, seed: step) {
                    _ = try? await engine.submit(e)
                }
                step += 1
            }
        }
        await advance(20)
        let atStart = await engine.state
        let outcome = Mutex<Result<SnapshotReport, EngineError>?>(nil)
        let (finished, done) = AsyncStream.makeStream(of: Void.self)
        #expect(await engine.writeSnapshotInBackground { result in
            outcome.withLock { $0 = result }
            done.finish()
        })
        await advance(20)
        for await _ in finished {}
        let report = try #require(try outcome.withLock { $0 }?.get())
        #expect(report.sequence == atStart.sequence && report.bytes > 0)
        #expect(!engine.isWritingSnapshot)
        let digest = await engine.digest
        await engine.close()
        let snapshot = try #require(try await open().latestSnapshot())
        #expect(snapshot.sequence == atStart.sequence)
        #expect(try EngineState(payload: snapshot.payload) == atStart)
        let recovered = try await RiskEngine.open(store: try await open())
        #expect(await recovered.digest == digest)
        await recovered.close()
    }
}
