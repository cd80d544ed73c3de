import Foundation
import Synchronization
import MarginCore
import MarginEngine
import MarginSimulation
import Testing

/// The journal-store contract, run against every implementation (SQLite and PostgreSQL) by the suites below.
/// `open` returns a store on the same underlying database each time it is called (a "restart").
struct StoreContract {
    let open: () throws -> any JournalStore

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
    func journalRoundTrip() throws {
        let store = try open()
        #expect(try store.lastSequence() == 0)
        #expect(try store.latestSnapshot() == nil)
        let records = Self.events.enumerated().map { JournalRecord(sequence: UInt64($0 + 1), payload: $1.payload) }
        try store.append(Array(records[0..<2]))
        try store.append(Array(records[2...]))
        #expect(throws: EngineError.self) { try store.append([JournalRecord(sequence: 3, payload: "{}")]) }
        #expect(throws: EngineError.self) {
            try store.append([JournalRecord(sequence: 6, payload: "{}"), JournalRecord(sequence: 8, payload: "{}")])
        }
        let reopened = try open()
        #expect(try reopened.lastSequence() == 5)
        let back = try reopened.allRecords(after: 0)
        #expect(back == records)
        #expect(try back.map { try EngineEvent(payload: $0.payload) } == Self.events)
        #expect(try reopened.records(after: 2, limit: 2).map(\.sequence) == [3, 4])
        try reopened.saveSnapshot(SnapshotRecord(sequence: 2, payload: "{\"a\":1}"))
        try reopened.saveSnapshot(SnapshotRecord(sequence: 5, payload: "{\"b\":\"ü\"}"))
        #expect(try open().latestSnapshot() == SnapshotRecord(sequence: 5, payload: "{\"b\":\"ü\"}"))
    }

    /// A withdrawal below initial margin is rejected and leaves state and journal unchanged.
    func withdrawalRejection() throws {
        let store = try open()
        let engine = try EngineCore(store: store, genesis: CrashWorkload.genesis())
        // An account whose equity outside its USD balance is below its IM: withdrawing the whole USD balance
        // would leave it below IM.
        let name = try #require(engine.state.accounts.keys.sorted().first { name in
            let m = engine.margin(of: name)!
            let usd = Money.double(engine.state.accounts[name]!.balances["USD"] ?? 0)
            return m.initialMargin > 0 && m.equity - usd < m.initialMargin - 1
        })
        let m = engine.margin(of: name)!
        try engine.submit(.deposit(Transfer(account: name, currency: "USD", amount: Decimal(Int(m.initialMargin) + 10))))
        let before = engine.state
        let journal = try store.allRecords(after: 0)
        let balance = engine.state.accounts[name]!.balances["USD"]!
        do {
            try engine.submit(.withdrawal(Transfer(account: name, currency: "USD", amount: balance)))
            Issue.record("withdrawal below IM was accepted")
        } catch let error {
            guard case .belowInitialMargin = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(engine.state == before)
        #expect(try store.allRecords(after: 0) == journal)
        #expect(try open().allRecords(after: 0) == journal)
    }

    /// Snapshot + journal recovery gives bit-identical margins and state.
    func recoveryDigest() throws {
        let digest: String
        do {
            let engine = try EngineCore(store: try open(), genesis: CrashWorkload.genesis())
            for step in 0..<40 {
                if case .event(let e) = CrashWorkload.next(state: engine.state, seed: UInt64(step)) {
                    _ = try? engine.submit(e)
                }
                if step == 20 { try engine.writeSnapshot() }
            }
            digest = engine.digest
        }
        let recovered = try EngineCore(store: try open())
        #expect(recovered.digest == digest)
    }

    /// A snapshot written in the background while the writer keeps submitting events: recovery (that snapshot +
    /// the journal after it) gives the live engine's digest, and the snapshot is the state as of its start.
    func backgroundSnapshot() throws {
        let engine = try EngineCore(store: try open(), genesis: CrashWorkload.genesis())
        var step: UInt64 = 0
        func advance(_ n: Int) {
            for _ in 0..<n {
                if case .event(let e) = CrashWorkload.next(state: engine.state, seed: step) { _ = try? engine.submit(e) }
                step += 1
            }
        }
        advance(20)
        let atStart = engine.state
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<SnapshotReport, EngineError>?>(nil)
        #expect(engine.writeSnapshotInBackground { result in
            outcome.withLock { $0 = result }
            finished.signal()
        })
        advance(20)
        finished.wait()
        let report = try #require(try outcome.withLock { $0 }?.get())
        #expect(report.sequence == atStart.sequence && report.bytes > 0)
        #expect(!engine.isWritingSnapshot)
        let snapshot = try #require(try open().latestSnapshot())
        #expect(snapshot.sequence == atStart.sequence)
        #expect(try EngineState(payload: snapshot.payload) == atStart)
        let recovered = try EngineCore(store: try open())
        #expect(recovered.digest == engine.digest)
    }
}
