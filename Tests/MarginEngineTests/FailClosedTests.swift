import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 6: the engine fails closed (docs/ENGINE.md, "Fail closed"). An instrument the engine cannot price is
/// refused at listing, a market update that would leave a listed option unpriceable is refused naming it, and an
/// account holding an instrument whose risk array cannot be computed is reported risk unavailable — never counted as
/// zero risk — and may only reduce risk.
@Suite struct FailClosedTests {
    typealias F = EngineFixtures

    static let t0 = F.market.time
    static let expiry = F.market.expiries[1]

    static func option(_ underlying: String, strike: Double, right: OptionRight = .call) -> Instrument {
        Instrument(underlying: underlying, kind: .option(OptionContract(expiry: expiry, strike: strike, right: right)),
                   settlement: .linear)
    }

    /// Expects `body` to be rejected without changing state, journal or digest; returns the error.
    @discardableResult
    static func rejected(_ engine: RiskEngine, _ store: InMemoryJournal, _ event: EngineEvent,
                         sourceLocation: SourceLocation = #_sourceLocation) async -> EngineError? {
        let state = await engine.state
        let journal = try? await store.allRecords(after: 0)
        let digest = await engine.digest
        var caught: EngineError?
        do {
            try await engine.submit(event)
            Issue.record("accepted \(event)", sourceLocation: sourceLocation)
        } catch {
            caught = error
        }
        #expect(await engine.state == state, sourceLocation: sourceLocation)
        #expect((try? await store.allRecords(after: 0)) == journal, sourceLocation: sourceLocation)
        #expect(await engine.digest == digest, sourceLocation: sourceLocation)
        return caught
    }

    // MARK: - Listings

    @Test("a listing without a price source is rejected: no market, or an option without a vol surface")
    func listingWithoutPriceSource() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        // No market for DOGE at all.
        let doge = await Self.rejected(core, store, .listing(Listing(id: "DOGE-PERP", instrument: Instrument(
            underlying: "DOGE", kind: .perpetual, settlement: .linear))))
        #expect(doge == .invalid(field: "instrument.underlying", reason: "no market for \"DOGE\""))
        // SOL has an index but no surface: a perpetual can be priced, an option cannot.
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: Self.t0, index: 150)))
        try await core.submit(.listing(Listing(id: "SOL-PERP", instrument: Instrument(
            underlying: "SOL", kind: .perpetual, settlement: .linear))))
        let call = await Self.rejected(core, store, .listing(Listing(id: "SOL-C",
                                                                     instrument: Self.option("SOL", strike: 160))))
        guard case .invalid(let field, let reason) = call else { Issue.record("\(String(describing: call))"); return }
        #expect(field == "instrument")
        #expect(reason.contains("no vol surface"), "\(reason)")
        // Once SOL has a surface the option lists.
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: Self.t0, surface: [
            VolQuote(expiry: Self.expiry, strikes: [120, 150, 180], vols: [0.9, 0.8, 0.85])])))
        try await core.submit(.listing(Listing(id: "SOL-C", instrument: Self.option("SOL", strike: 160))))
        #expect(await core.state.instruments["SOL-C"] != nil)
    }

    @Test("a listing that cannot be priced in its market (a risk array that is not finite) is rejected")
    func unpriceableListing() async throws {
        // A state reached without events may hold any market; the listing prices the instrument once and refuses it.
        var genesis = EngineState()
        genesis.markets["HUGE"] = try Self.huge("HUGE")
        let store = InMemoryJournal()
        let core = try await RiskEngine.open(store: store, genesis: genesis, snapshotGenesis: false)
        // A perpetual's array is finite there (F·m); an option's is not.
        try await core.submit(.listing(Listing(id: "HUGE-PERP", instrument: Instrument(
            underlying: "HUGE", kind: .perpetual, settlement: .linear))))
        let e = await Self.rejected(core, store, .listing(Listing(id: "HUGE-C",
                                                                  instrument: Self.option("HUGE", strike: 1e14))))
        guard case .invalid(let field, let reason) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(field == "instrument")
        #expect(reason.contains("cannot be priced"), "\(reason)")
    }

    // MARK: - Market updates

    @Test("a market update that would remove the vol surface while options are listed is rejected naming the option")
    func surfaceRemovalRejected() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        let btc = try #require(await core.state.markets["BTC"])
        let first = await core.listedOptions(of: "BTC").first
        #expect(first != nil)
        let e = await Self.rejected(core, store, .market(MarketUpdate(underlying: "BTC", time: btc.time,
                                                                      index: btc.index, surface: [])))
        guard case .invalid(let field, let reason) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(field == "volSurface")
        #expect(reason.contains("\"\(first ?? "")\""), "\(reason)")
        #expect(await core.state.markets["BTC"]?.volSurface != nil)
        // Without options listed the surface may go: SOL gets one, then loses it.
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: btc.time, index: 150, surface: [
            VolQuote(expiry: Self.expiry, strikes: [150], vols: [0.8])])))
        #expect(await core.state.markets["SOL"]?.volSurface != nil)
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: btc.time, surface: [])))
        #expect(await core.state.markets["SOL"]?.volSurface == nil)
        #expect(await core.state.markets["SOL"]?.index == 150)
    }

    @Test("a market update whose merged market would keep an expired forward or surface point is rejected")
    func expiredPointsRejected() async throws {
        let store = InMemoryJournal()
        let core = try await F.emptyEngine(store: store)
        let soon = Self.t0.adding(seconds: 3_600)
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: Self.t0, index: 150,
                                                   forwards: [soon: 151])))
        let e = await Self.rejected(core, store, .market(MarketUpdate(underlying: "SOL", time: soon, index: 150)))
        guard case .invalid(let field, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(field == "forwards.\(soon.iso8601)")
        // With a new curve the time moves.
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: soon, index: 150, forwards: [:])))
        #expect(await core.state.markets["SOL"]?.time == soon)
    }

    // MARK: - Risk unavailable

    /// A genesis state: BTC (simulated market) and an ETH market `eth`; account `x` holds 2 of `bad` (an ETH
    /// option) and 1 BTC-PERP (1,000,000 USD), `y` holds only 1 BTC-PERP (25,000 USD); both healthy. Their
    /// counterparty `z` is short 2 of `bad` and 2 BTC-PERP (2,000,000 USD), so open interest is zero; `lp` holds
    /// only USD (10⁹).
    static func genesis(eth: UnderlyingMarket, bad: Instrument) -> EngineState {
        var state = EngineState()
        if case .market(let m) = F.market.marketEvent(0) { state.apply(.market(m)) }
        state.markets["ETH"] = eth
        state.instruments["BTC-PERP"] = Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear)
        state.instruments["BTC-FUT"] = Instrument(underlying: "BTC", kind: .future(expiry: expiry), settlement: .linear)
        state.instruments["ETH-BAD"] = bad
        state.accounts["x"] = AccountState(balances: ["USD": 1_000_000], positions: [
            "ETH-BAD": PositionState(quantity: 2), "BTC-PERP": PositionState(quantity: 1, cost: 100_000)])
        state.accounts["y"] = AccountState(balances: ["USD": 25_000], positions: [
            "BTC-PERP": PositionState(quantity: 1, cost: 100_000)])
        state.accounts["z"] = AccountState(balances: ["USD": 2_000_000], positions: [
            "ETH-BAD": PositionState(quantity: -2), "BTC-PERP": PositionState(quantity: -2, cost: -200_000)])
        state.accounts["lp"] = AccountState(balances: ["USD": 1_000_000_000])
        state.deposits = ["USD": 1_000_000 + 25_000 + 2_000_000 + 1_000_000_000]
        return state
    }

    /// A market with an index of 1.7e308 (out of every domain: only a state built without events holds one) and a
    /// surface: an option's scenario forwards `F·(1 + m)` overflow to +∞.
    static func huge(_ name: String) throws -> UnderlyingMarket {
        var m = UnderlyingMarket(name: name, index: 1.7e308, valuationTime: t0)
        let partial = m
        m.volSurface = try VolSurface(quotes: [VolQuote(expiry: expiry, strikes: [3_500], vols: [0.7])],
                                      valuationTime: t0, forward: { partial.forward(expiry: $0) })
        return m
    }

    /// ETH with an index and no surface: pricing the option throws.
    static var noSurface: UnderlyingMarket { UnderlyingMarket(name: "ETH", index: 3_500, valuationTime: t0) }

    @Test("an account holding an instrument whose risk array is not finite is reported risk unavailable, never zero risk")
    func nonFiniteArray() async throws {
        let core = try await RiskEngine.open(
            store: InMemoryJournal(),
            genesis: Self.genesis(eth: try Self.huge("ETH"), bad: Self.option("ETH", strike: 3_500)),
            snapshotGenesis: false)
        try await Self.expectUnavailable(core)
    }

    @Test("an account holding an option whose pricing throws (no vol surface) is reported risk unavailable")
    func pricingThrows() async throws {
        let core = try await RiskEngine.open(
            store: InMemoryJournal(),
            genesis: Self.genesis(eth: Self.noSurface, bad: Self.option("ETH", strike: 3_500)))
        try await Self.expectUnavailable(core)
    }

    static func expectUnavailable(_ core: RiskEngine, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let x = try #require(await core.margin(of: "x"), sourceLocation: sourceLocation)
        #expect(x.unpricedInstrument == "ETH-BAD", sourceLocation: sourceLocation)
        #expect(!x.isRiskAvailable, sourceLocation: sourceLocation)
        #expect(x.maintenanceMargin == .infinity && x.initialMargin == .infinity, "never zero risk",
                sourceLocation: sourceLocation)
        #expect(x.equity.isNaN, sourceLocation: sourceLocation)
        #expect(x.health == .healthy, "keeps its journaled health", sourceLocation: sourceLocation)
        // x and its counterparty z (short the same option).
        #expect(await core.riskUnavailableAccounts == ["x": "ETH-BAD", "z": "ETH-BAD"], sourceLocation: sourceLocation)
        #expect(await core.unpricedInstruments == ["ETH-BAD"], sourceLocation: sourceLocation)
        // The other account is margined as usual, as the core margins it.
        let y = try #require(await core.margin(of: "y"), sourceLocation: sourceLocation)
        #expect(y.isRiskAvailable && y.maintenanceMargin > 0 && y.maintenanceMargin.isFinite,
                sourceLocation: sourceLocation)
        let state = await core.state
        let report = try MarginCalculator().margin(of: try #require(state.portfolio(of: "y")),
                                                   market: state.marketSnapshot(), explain: false)
        #expect(abs(y.maintenanceMargin - report.maintenanceMargin) <= 1e-9 * report.maintenanceMargin,
                sourceLocation: sourceLocation)
        #expect(await core.verifyAggregation().mismatches == 0, sourceLocation: sourceLocation)
        #expect(await !core.priorityAccounts(of: "BTC").contains("x"), "no cushion to rank",
                sourceLocation: sourceLocation)
    }

    @Test("a risk-unavailable account may deposit and reduce positions; withdrawals and other fills are rejected naming the instrument; no health transition fires")
    func onlyReducesRisk() async throws {
        let store = InMemoryJournal()
        let core = try await RiskEngine.open(
            store: store, genesis: Self.genesis(eth: Self.noSurface, bad: Self.option("ETH", strike: 3_500)))
        // Every health change the engine journals and publishes, in journal order.
        var healthEvents: [HealthChange] = []
        func submit(_ event: EngineEvent) async throws { healthEvents += try await core.submit(event).healthChanges }
        let unavailable = EngineError.riskUnavailable(account: "x", instrument: "ETH-BAD")
        // Denied: a withdrawal, however small; adding to a position; opening one; flipping one.
        #expect(await Self.rejected(core, store, .withdrawal(Transfer(account: "x", currency: "USD", amount: 1)))
                == unavailable)
        #expect(await Self.rejected(core, store, F.trade(account: "x", instrument: "BTC-PERP", quantity: 1,
                                                         price: 100_000)) == unavailable)
        #expect(await Self.rejected(core, store, F.trade(account: "x", instrument: "BTC-FUT", quantity: -1,
                                                         price: 100_000)) == unavailable)
        #expect(await Self.rejected(core, store, F.trade(account: "x", instrument: "BTC-PERP", quantity: -2,
                                                         price: 100_000)) == unavailable)
        #expect(await Self.rejected(core, store, F.trade(account: "x", instrument: "ETH-BAD", quantity: 1,
                                                         price: 100)) == unavailable)
        // Allowed: a deposit, a partial reduction, closing a position (of either instrument), each against z, whose
        // risk is unavailable too and which reduces as well. Opening against x's reduction is not: lp buying the
        // unpriceable option is refused naming lp.
        try await submit(.deposit(Transfer(account: "x", currency: "USD", amount: 10)))
        #expect(await Self.rejected(core, store, F.trade(account: "x", instrument: "ETH-BAD", quantity: -1, price: 100))
                == .riskUnavailable(account: "lp", instrument: "ETH-BAD"))
        try await submit(F.trade(account: "x", instrument: "ETH-BAD", quantity: -1, price: 100, counterparty: "z"))
        try await submit(F.trade(account: "x", instrument: "BTC-PERP", quantity: -1, price: 100_000, counterparty: "z"))
        #expect(await core.state.accounts["x"]?.positions["BTC-PERP"] == nil)
        #expect(await core.margin(of: "x")?.unpricedInstrument == "ETH-BAD")
        // A market crash moves the health of an account with known figures (y, long a perpetual, is taken over),
        // not x's: missing data fires no transition (its +∞ MM would otherwise read as liquidation).
        let btc = try #require(await core.state.markets["BTC"])
        try await submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * 0.05)))
        #expect(healthEvents.contains { $0.account == "y" && $0.to == .takeover }, "known figures still transition")
        #expect(healthEvents.allSatisfy { $0.account != "x" && $0.account != "z" })
        #expect(await core.state.accounts["x"]?.health == .healthy)
        #expect(await core.margin(of: "x")?.health == .healthy)
        // The other account is not restricted by x's state.
        try await submit(.deposit(Transfer(account: "y", currency: "USD", amount: 1)))
        // Closing the last of the unpriceable position makes x's risk (and z's) known again.
        try await submit(F.trade(account: "x", instrument: "ETH-BAD", quantity: -1, price: 100, counterparty: "z"))
        let x = try #require(await core.margin(of: "x"))
        #expect(x.isRiskAvailable && x.maintenanceMargin.isFinite && x.equity.isFinite)
        #expect(await core.riskUnavailableAccounts.isEmpty)
        let violations = await core.checkInvariants()
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test("a market update that makes the instrument priceable again restores the account's figures; recovery gives the same digest and status")
    func recoveryAndRepair() async throws {
        let store = InMemoryJournal()
        let genesis = Self.genesis(eth: Self.noSurface, bad: Self.option("ETH", strike: 3_500))
        let digest: String
        do {
            let core = try await RiskEngine.open(store: store, genesis: genesis)
            try await core.submit(.deposit(Transfer(account: "x", currency: "USD", amount: 5)))
            // An ETH update without a surface is refused (it would leave ETH-BAD unpriceable).
            await Self.rejected(core, store, .market(MarketUpdate(underlying: "ETH", time: Self.t0, index: 3_600)))
            digest = await core.digest
        }
        // The status is part of the digest and survives recovery from the genesis snapshot and the journal.
        let recovered = try await RiskEngine.open(store: store)
        #expect(await recovered.digest == digest)
        #expect(await recovered.margin(of: "x")?.unpricedInstrument == "ETH-BAD")
        // A surface makes it priceable: x is margined as the core margins it.
        try await recovered.submit(.market(MarketUpdate(underlying: "ETH", time: Self.t0, index: 3_500, surface: [
            VolQuote(expiry: Self.expiry, strikes: [3_000, 3_500, 4_000], vols: [0.75, 0.7, 0.72])])))
        let x = try #require(await recovered.margin(of: "x"))
        #expect(x.isRiskAvailable)
        let state = await recovered.state
        let report = try MarginCalculator().margin(of: try #require(state.portfolio(of: "x")),
                                                   market: state.marketSnapshot(), explain: false)
        #expect(abs(x.maintenanceMargin - report.maintenanceMargin) <= 1e-9 * report.maintenanceMargin)
        #expect(abs(x.equity - report.equity) <= 1e-9 * abs(report.equity))
        #expect(await recovered.unpricedInstruments.isEmpty)
    }
}
