import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine

@Suite struct EngineCoreTests {
    typealias F = EngineFixtures

    @Test("margins equal the core calculator's for every generated account (1e-9 relative)")
    func matchesCore() throws {
        let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis())
        let calculator = MarginCalculator()
        let snapshot = core.state.marketSnapshot()
        for name in core.state.accounts.keys {
            let portfolio = try #require(core.state.portfolio(of: name))
            let report = try calculator.margin(of: portfolio, market: snapshot, explain: false)
            let m = try #require(core.margin(of: name))
            #expect(abs(m.maintenanceMargin - report.requirement.maintenanceMargin) <= 1e-9 * max(1, m.maintenanceMargin))
            #expect(abs(m.initialMargin - report.requirement.initialMargin) <= 1e-9 * max(1, m.initialMargin))
            #expect(abs(m.equity - report.equity) <= 1e-9 * max(1, abs(m.equity)))
        }
    }

    @Test("a withdrawal that would leave equity below IM is rejected and changes neither state nor journal")
    func withdrawalBelowIM() throws {
        let store = InMemoryJournal()
        let core = try F.emptyEngine(store: store)
        try core.submit(.deposit(Transfer(account: "alice", currency: "USD", amount: 20_000)))
        let option = core.state.instruments.keys.sorted().first { core.state.instruments[$0]?.option != nil }!
        try core.submit(F.trade(account: "alice", instrument: option, quantity: -1, price: 1, fee: 0))
        let m = try #require(core.margin(of: "alice"))
        #expect(m.initialMargin > 0)
        let stateBefore = core.state
        let journalBefore = try store.allRecords(after: 0)
        let digestBefore = core.digest
        let excess = Decimal(Int(m.equity - m.initialMargin) + 1)
        do {
            try core.submit(.withdrawal(Transfer(account: "alice", currency: "USD", amount: excess)))
            Issue.record("withdrawal below IM was accepted")
        } catch let error {
            guard case .belowInitialMargin(let account, _, _) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(account == "alice")
        }
        #expect(core.state == stateBefore)
        #expect(try store.allRecords(after: 0) == journalBefore)
        #expect(core.digest == digestBefore)
        // A smaller withdrawal passes.
        try core.submit(.withdrawal(Transfer(account: "alice", currency: "USD", amount: 1)))
        #expect(core.state.accounts["alice"]?.balances["USD"] == (stateBefore.accounts["alice"]?.balances["USD"] ?? 0) - 1)
    }

    @Test("below IM an account may still reduce risk: a fill that lowers MM without lowering equity − IM passes")
    func riskReducingFillBelowInitialMargin() throws {
        let store = InMemoryJournal()
        let core = try F.emptyEngine(store: store)
        let btc = try #require(core.state.markets["BTC"])
        let index = Decimal(Int(btc.index.rounded()))
        try core.submit(.deposit(Transfer(account: "carol", currency: "USD", amount: 50_000)))
        try core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: 2, price: index))
        // The index falls 8%: the long perpetuals lose, equity drops below IM.
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * 0.92)))
        let before = try #require(core.margin(of: "carol"))
        #expect(before.equity < before.initialMargin)
        let fallen = Decimal(Int((btc.index * 0.92).rounded()))
        // Adding risk is refused and changes nothing.
        let journal = try store.allRecords(after: 0)
        do {
            try core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: F.dec("0.1"), price: fallen))
            Issue.record("a risk-increasing fill below IM was accepted")
        } catch {
            guard case .belowInitialMargin(let account, _, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(account == "carol")
        }
        #expect(try store.allRecords(after: 0) == journal)
        // Selling at a give-away price lowers MM but also equity − IM: refused.
        #expect(throws: EngineError.self) {
            try core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: -1, price: fallen / 2))
        }
        // Selling half at the index lowers MM and raises equity − IM: accepted.
        try core.submit(F.trade(account: "carol", instrument: "BTC-PERP", quantity: -1, price: fallen))
        let after = try #require(core.margin(of: "carol"))
        #expect(after.maintenanceMargin < before.maintenanceMargin)
        #expect(after.equity - after.initialMargin >= before.equity - before.initialMargin)
        #expect(core.state.accounts["carol"]?.positions["BTC-PERP"]?.quantity == 1)
        // Withdrawals have no such exception: one that would leave equity below IM is refused.
        let excess = Decimal(Int((after.equity - after.initialMargin).rounded(.down)) + 1)
        #expect(throws: EngineError.self) {
            try core.submit(.withdrawal(Transfer(account: "carol", currency: "USD", amount: excess)))
        }
    }

    @Test("a fill beyond the account's margin is rejected with the reason; a failed append applies nothing")
    func fillRejection() throws {
        let store = InMemoryJournal()
        let core = try F.emptyEngine(store: store)
        try core.submit(.deposit(Transfer(account: "bob", currency: "USD", amount: 1_000)))
        #expect(throws: EngineError.self) {
            try core.submit(F.trade(account: "bob", instrument: "BTC-PERP", quantity: 10, price: 100_000))
        }
        #expect(core.state.accounts["bob"]?.positions.isEmpty == true)
        #expect(throws: EngineError.self) {
            try core.submit(F.trade(account: "bob", instrument: "NOPE", quantity: 1, price: 1))
        }
        let before = core.state
        store.failNextAppend(with: "disk full")
        #expect(throws: EngineError.storage("disk full")) {
            try core.submit(.deposit(Transfer(account: "bob", currency: "USD", amount: 5)))
        }
        #expect(core.state == before)
    }

    @Test("recovery from snapshot + journal gives the same digest")
    func recoveryDigest() throws {
        let store = InMemoryJournal()
        var market = F.market
        let digest: String
        do {
            let core = try EngineCore(store: store, genesis: F.genesis())
            for k in 0..<20 {
                _ = try? core.submit(.market(market.step(k % 2, seconds: 60, withSurface: k % 5 == 0)))
                if k == 9 { try core.writeSnapshot() }
                try core.submit(.deposit(Transfer(account: "acct-0\(k % 10)", currency: "USD", amount: 10)))
            }
            digest = core.digest
        }
        let recovered = try EngineCore(store: store)
        #expect(recovered.digest == digest)
        // And from the genesis snapshot alone (ignoring the later snapshot) via a copy of the journal.
        let copy = InMemoryJournal()
        try copy.append(try store.allRecords(after: F.genesis().sequence))
        let fromGenesis = try EngineCore(store: copy, genesis: F.genesis())
        #expect(fromGenesis.digest == digest)
    }

    @Test("expiry settles options and futures into balances at the settlement price, exactly")
    func expirySettlement() throws {
        let core = try F.emptyEngine()
        let listings = F.market.listings(optionsPerUnderlying: 20)
        let call = listings.first { $0.instrument.option?.right == .call && $0.instrument.settlement == .linear
            && $0.instrument.underlying == "BTC" }!
        let inversePut = listings.first { $0.instrument.option?.right == .put && $0.instrument.settlement == .inverse
            && $0.instrument.underlying == "BTC" && $0.instrument.option!.expiry == call.instrument.option!.expiry }!
        let future = listings.first { if case .future = $0.instrument.kind { return $0.instrument.underlying == "BTC" }
            return false }!
        try core.submit(.deposit(Transfer(account: "c", currency: "USD", amount: 1_000_000)))
        try core.submit(.deposit(Transfer(account: "c", currency: "BTC", amount: 10)))
        try core.submit(F.trade(account: "c", instrument: call.id, quantity: 2, price: 1_000, fee: F.dec("0.5")))
        try core.submit(F.trade(account: "c", instrument: inversePut.id, quantity: -3, price: F.dec("0.01"),
                                   fee: 0, feeCurrency: "BTC"))
        try core.submit(F.trade(account: "c", instrument: future.id, quantity: F.dec("1.5"), price: 100_000))
        try core.submit(F.trade(account: "c", instrument: future.id, quantity: F.dec("0.5"), price: 102_000))
        let a0 = core.state.accounts["c"]!
        // Cost basis 1.5 × 100,000 + 0.5 × 102,000 = 201,000 USD on 2 coins: entry 100,500.
        #expect(a0.positions[future.id]?.cost == 201_000)
        #expect(a0.positions[future.id]?.exactEntryPrice(of: future.instrument) == 100_500)
        #expect(a0.balances["USD"] == 1_000_000 - 2_000 - F.dec("0.5"))
        #expect(a0.balances["BTC"] == 10 + F.dec("0.03"))
        let k = Decimal(string: "\(call.instrument.option!.strike)")!
        let kp = Decimal(string: "\(inversePut.instrument.option!.strike)")!
        let s: Decimal = 80_000
        for id in [call.id, inversePut.id] { try core.submit(.expiry(Expiry(instrument: id, settlementPrice: s))) }
        if case .future(let expiry) = future.instrument.kind, expiry == call.instrument.option!.expiry {
            try core.submit(.expiry(Expiry(instrument: future.id, settlementPrice: s)))
        } else {
            try core.submit(.expiry(Expiry(instrument: future.id, settlementPrice: s)))
        }
        let a = core.state.accounts["c"]!
        #expect(a.positions.isEmpty)
        let callPay = 2 * max(s - k, 0)
        let putPay = -3 * max(kp - s, 0) / s
        let futPay = 2 * (s - 100_500)
        #expect(a.balances["USD"] == 1_000_000 - 2_000 - F.dec("0.5") + callPay + futPay)
        #expect(a.balances["BTC"] == 10 + F.dec("0.03") + putPay)
        #expect(core.state.instruments[call.id] == nil)
        #expect(throws: EngineError.self) { try core.submit(.expiry(Expiry(instrument: "BTC-PERP", settlementPrice: 1))) }
    }

    @Test("health transitions are journaled as events and reported")
    func healthTransitions() throws {
        let store = InMemoryJournal()
        let core = try F.emptyEngine(store: store)
        try core.submit(.deposit(Transfer(account: "d", currency: "USD", amount: 3_000)))
        try core.submit(F.trade(account: "d", instrument: "BTC-PERP", quantity: F.dec("0.1"), price: 100_000))
        var seen: [HealthChange] = []
        core.onHealthChange = { seen.append($0) }
        let btc = core.state.markets["BTC"]!
        let ack = try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: 75_000)))
        #expect(!ack.healthChanges.isEmpty)
        #expect(seen == ack.healthChanges)
        #expect(core.state.accounts["d"]?.health == ack.healthChanges.last?.to)
        let last = try store.allRecords(after: 0).last!
        #expect(try EngineEvent(payload: last.payload).kind == "health")
        #expect(core.state.sequence == last.sequence)
        let back = try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: 100_000)))
        #expect(back.healthChanges.last?.to == .healthy)
    }

    @Test("the accounts nearest liquidation are ranked first")
    func priorityOrder() throws {
        let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis(accounts: 60))
        let ranked = core.priorityAccounts(of: "BTC")
        let cushions = ranked.compactMap { core.margin(of: $0)?.cushion }
        #expect(cushions == cushions.sorted())
        let all = core.margins.values.filter { $0.maintenanceMargin > 0 }.map(\.cushion).sorted()
        #expect(cushions.first == all.first)
    }
}
