import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The engine's validation, margins, recovery and health stream, through its one driver (``RiskEngine``).
@Suite struct EngineCoreTests {
    typealias F = EngineFixtures

    @Test("margins equal the core calculator's for every generated account (1e-9 relative)")
    func matchesCore() async throws {
        let engine = try await F.engine()
        let state = await engine.state
        let calculator = MarginCalculator()
        let snapshot = state.marketSnapshot()
        for name in state.accounts.keys {
            let portfolio = try #require(state.portfolio(of: name))
            let report = try calculator.margin(of: portfolio, market: snapshot, explain: false)
            let m = try #require(await engine.margin(of: name))
            #expect(abs(m.maintenanceMargin - report.requirement.maintenanceMargin) <= 1e-9 * max(1, m.maintenanceMargin))
            #expect(abs(m.initialMargin - report.requirement.initialMargin) <= 1e-9 * max(1, m.initialMargin))
            #expect(abs(m.equity - report.equity) <= 1e-9 * max(1, abs(m.equity)))
        }
    }

    @Test("a withdrawal that would leave equity below IM is rejected and changes neither state nor journal")
    func withdrawalBelowIM() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        try await core.submit(.deposit(Transfer(account: "alice", currency: "USD", amount: 20_000)))
        let instruments = await core.state.instruments
        let option = instruments.keys.sorted().first { instruments[$0]?.option != nil }!
        try await core.submit(F.trade(account: "alice", instrument: option, quantity: -1, price: 1, fee: 0))
        let m = try #require(await core.margin(of: "alice"))
        #expect(m.initialMargin > 0)
        let stateBefore = await core.state
        let journalBefore = try await store.allRecords(after: 0)
        let digestBefore = await core.digest
        let excess = Decimal(Int(m.equity - m.initialMargin) + 1)
        do {
            try await core.submit(.withdrawal(Transfer(account: "alice", currency: "USD", amount: excess)))
            Issue.record("withdrawal below IM was accepted")
        } catch let error {
            guard case .belowInitialMargin(let account, _, _) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(account == "alice")
        }
        #expect(await core.state == stateBefore)
        #expect(try await store.allRecords(after: 0) == journalBefore)
        #expect(await core.digest == digestBefore)
        // A smaller withdrawal passes.
        try await core.submit(.withdrawal(Transfer(account: "alice", currency: "USD", amount: 1)))
        #expect(await core.state.accounts["alice"]?.balances["USD"]
                    == (stateBefore.accounts["alice"]?.balances["USD"] ?? 0) - 1)
    }

    @Test("below IM an account may still reduce risk: a fill that lowers MM without lowering equity − IM passes")
    func riskReducingFillBelowInitialMargin() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        let btc = try #require(await core.state.markets["BTC"])
        let index = Decimal(Int(btc.index.rounded()))
        try await core.submit(.deposit(Transfer(account: "carol", currency: "USD", amount: 50_000)))
        try await core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: 2, price: index))
        // The index falls 8%: the long perpetuals lose, equity drops below IM.
        try await core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * 0.92)))
        let before = try #require(await core.margin(of: "carol"))
        #expect(before.equity < before.initialMargin)
        let fallen = Decimal(Int((btc.index * 0.92).rounded()))
        // Adding risk is refused and changes nothing.
        let journal = try await store.allRecords(after: 0)
        do {
            try await core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: F.dec("0.1"),
                                          price: fallen))
            Issue.record("a risk-increasing fill below IM was accepted")
        } catch {
            guard case .belowInitialMargin(let account, _, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(account == "carol")
        }
        #expect(try await store.allRecords(after: 0) == journal)
        // Selling at a give-away price lowers MM but also equity − IM: refused.
        await #expect(throws: EngineError.self) {
            try await core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: -1, price: fallen / 2))
        }
        // Selling half at the index lowers MM and raises equity − IM: accepted.
        try await core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: -1, price: fallen))
        let after = try #require(await core.margin(of: "carol"))
        #expect(after.maintenanceMargin < before.maintenanceMargin)
        #expect(after.equity - after.initialMargin >= before.equity - before.initialMargin)
        #expect(await core.state.accounts["carol"]?.positions["BTC-PERP"]?.quantity == 1)
        // Withdrawals have no such exception: one that would leave equity below IM is refused.
        let excess = Decimal(Int((after.equity - after.initialMargin).rounded(.down)) + 1)
        await #expect(throws: EngineError.self) {
            try await core.submit(.withdrawal(Transfer(account: "carol", currency: "USD", amount: excess)))
        }
    }

    @Test("a fill beyond the account's margin is rejected with the reason; a failed append applies nothing")
    func fillRejection() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store, faultPolicy: .stop)
        try await core.submit(.deposit(Transfer(account: "bob", currency: "USD", amount: 1_000)))
        await #expect(throws: EngineError.self) {
            try await core.submit(F.trade(account: "bob", instrument: "BTC-PERP", quantity: 10, price: 100_000))
        }
        #expect(await core.state.accounts["bob"]?.positions.isEmpty == true)
        await #expect(throws: EngineError.self) {
            try await core.submit(F.trade(account: "bob", instrument: "NOPE", quantity: 1, price: 1))
        }
        let before = await core.state
        store.failNextAppend(with: "disk full")
        await #expect(throws: EngineError.storage("disk full")) {
            try await core.submit(.deposit(Transfer(account: "bob", currency: "USD", amount: 5)))
        }
        #expect(await core.state == before)
    }

    @Test("recovery from snapshot + journal gives the same digest")
    func recoveryDigest() async throws {
        let store = InMemoryJournal()
        var market = F.market
        let digest: String
        do {
            let core = try await F.engine(store: store)
            for k in 0..<20 {
                _ = try? await core.submit(.market(market.step(k % 2, seconds: 60, withSurface: k % 5 == 0)))
                if k == 9 { try await core.writeSnapshot() }
                try await core.submit(.deposit(Transfer(account: "acct-0\(k % 10)", currency: "USD", amount: 10)))
            }
            digest = await core.digest
        }
        let recovered = try await RiskEngine.open(store: store)
        #expect(await recovered.digest == digest)
        // And from the genesis snapshot alone (ignoring the later snapshot) via a copy of the journal.
        let copy = InMemoryJournal()
        try copy.append(try await store.allRecords(after: F.genesis().sequence))
        let fromGenesis = try await F.engine(store: copy)
        #expect(await fromGenesis.digest == digest)
    }

    @Test("expiry settles options and futures into balances at the settlement price, exactly")
    func expirySettlement() async throws {
        let core = try await F.emptyEngine()
        let listings = F.market.listings(optionsPerUnderlying: 20)
        let call = listings.first { $0.instrument.option?.right == .call && $0.instrument.settlement == .linear
            && $0.instrument.underlying == "BTC" }!
        let inversePut = listings.first { $0.instrument.option?.right == .put && $0.instrument.settlement == .inverse
            && $0.instrument.underlying == "BTC" && $0.instrument.option!.expiry == call.instrument.option!.expiry }!
        let future = listings.first { if case .future = $0.instrument.kind { return $0.instrument.underlying == "BTC" }
            return false }!
        try await core.submit(.deposit(Transfer(account: "c", currency: "USD", amount: 1_000_000)))
        try await core.submit(.deposit(Transfer(account: "c", currency: "BTC", amount: 10)))
        try await core.submit(F.trade(account: "c", instrument: call.id, quantity: 2, price: 1_000, fee: F.dec("0.5")))
        try await core.submit(F.trade(account: "c", instrument: inversePut.id, quantity: -3, price: F.dec("0.01"),
                                      fee: 0, feeCurrency: "BTC"))
        try await core.submit(F.trade(account: "c", instrument: future.id, quantity: F.dec("1.5"), price: 100_000))
        try await core.submit(F.trade(account: "c", instrument: future.id, quantity: F.dec("0.5"), price: 102_000))
        let a0 = await core.state.accounts["c"]!
        // Cost basis 1.5 × 100,000 + 0.5 × 102,000 = 201,000 USD on 2 coins: entry 100,500.
        #expect(a0.positions[future.id]?.cost == 201_000)
        #expect(a0.positions[future.id]?.exactEntryPrice(of: future.instrument) == 100_500)
        #expect(a0.balances["USD"] == 1_000_000 - 2_000 - F.dec("0.5"))
        #expect(a0.balances["BTC"] == 10 + F.dec("0.03"))
        let k = Decimal(string: "\(call.instrument.option!.strike)")!
        let kp = Decimal(string: "\(inversePut.instrument.option!.strike)")!
        let s: Decimal = 80_000
        for id in [call.id, inversePut.id] { try await core.submit(.expiry(Expiry(instrument: id, settlementPrice: s))) }
        if case .future(let expiry) = future.instrument.kind, expiry == call.instrument.option!.expiry {
            try await core.submit(.expiry(Expiry(instrument: future.id, settlementPrice: s)))
        } else {
            try await core.submit(.expiry(Expiry(instrument: future.id, settlementPrice: s)))
        }
        let a = await core.state.accounts["c"]!
        #expect(a.positions.isEmpty)
        let callPay = 2 * max(s - k, 0)
        let putPay = -3 * max(kp - s, 0) / s
        let futPay = 2 * (s - 100_500)
        #expect(a.balances["USD"] == 1_000_000 - 2_000 - F.dec("0.5") + callPay + futPay)
        #expect(a.balances["BTC"] == 10 + F.dec("0.03") + putPay)
        #expect(await core.state.instruments[call.id] == nil)
        await #expect(throws: EngineError.self) {
            try await core.submit(.expiry(Expiry(instrument: "BTC-PERP", settlementPrice: 1)))
        }
    }

    @Test("health transitions are journaled as events and reported")
    func healthTransitions() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        // Liquidation off: this is about health events (with it on, d would be taken over at 75,000; the
        // liquidation tests, Liquidation/, follow that).
        var settings = await core.state.liquidation
        settings.enabled = false
        try await core.submit(.liquidationSettings(settings))
        try await core.submit(.deposit(Transfer(account: "d", currency: "USD", amount: 3_000)))
        try await core.submit(F.trade(account: "d", instrument: "BTC-PERP", quantity: F.dec("0.1"), price: 100_000))
        let stream = await core.healthChanges()
        let btc = await core.state.markets["BTC"]!
        let ack = try await core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: 75_000)))
        #expect(!ack.healthChanges.isEmpty)
        #expect(await core.state.accounts["d"]?.health == ack.healthChanges.last?.to)
        let last = try await store.allRecords(after: 0).last!
        #expect(try EngineEvent(payload: last.payload).kind == "health")
        #expect(await core.state.sequence == last.sequence)
        let back = try await core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: 100_000)))
        #expect(back.healthChanges.last?.to == .healthy)
        await core.shutdown()
        var seen: [HealthChange] = []
        for await change in stream { seen.append(change) }
        #expect(seen == ack.healthChanges + back.healthChanges, "published in journal order")
    }

    @Test("the accounts nearest liquidation are ranked first")
    func priorityOrder() async throws {
        let core = try await F.engine(F.genesis(accounts: 60))
        let ranked = await core.priorityAccounts(of: "BTC")
        let margins = await core.margins
        let cushions = ranked.compactMap { margins[$0]?.cushion }
        #expect(cushions == cushions.sorted())
        let all = margins.values.filter { $0.maintenanceMargin > 0 }.map(\.cushion).sorted()
        #expect(cushions.first == all.first)
    }
}
