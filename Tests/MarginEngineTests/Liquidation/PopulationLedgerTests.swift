import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The simulated population as a ledger: every position has a counterparty, the system accounts exist, books are
/// synthetic ladders around the marks, and the trade flow trades against the liquidity providers.
@Suite struct PopulationLedgerTests {
    @Test("the generated genesis has zero open interest, exact money totals, funded providers, backstops and fund, and a book per instrument")
    func genesisIsAConsistentLedger() throws {
        // 200 accounts × 8 positions over 20 options and 10 futures and perpetuals per underlying: many positions
        // net to zero (in accounts and providers) and realize their cost.
        let genesis = Population.genesis(market: SimulatedMarket(seed: 7), optionsPerUnderlying: 20, accounts: 200,
                                         positionsPerAccount: 8, seed: 11, insuranceFund: 250_000)
        let core = EngineCore(state: genesis)
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
        #expect(genesis.liquidation.backstops == ["backstop-0", "backstop-1"])
        #expect(genesis.accounts["insurance-fund"]?.balances["USD"] == 250_000 && genesis.accounts["fees"] != nil)
        for lp in ["lp-0", "lp-1", "lp-2", "lp-3"] {
            let m = try #require(core.margin(of: lp))
            #expect(m.equity >= 3 * m.initialMargin, "\(lp) funded to 3 × IM")
        }
        #expect(Set(genesis.books.keys) == Set(genesis.instruments.keys))
        for (id, book) in genesis.books {
            #expect(throws: Never.self) { try book.validate() }
            #expect((book.bids + book.asks).allSatisfy { $0.account.hasPrefix("lp-") }, "\(id)")
        }
        // About 90% of the generated accounts are healthy, as before counterparties existed.
        let healthy = core.margins.filter { $0.key.hasPrefix("acct-") && $0.value.health == .healthy }.count
        #expect(healthy >= 150)
    }

    @Test("synthetic option books are wider and thinner far from the money and for long expiries")
    func optionBooksWidenAndThin() throws {
        let market = SimulatedMarket(seed: 7)
        var state = EngineState()
        for i in market.underlyings.indices {
            if case .market(let m) = market.marketEvent(i) { state.apply(.market(m)) }
        }
        let btc = try #require(state.markets["BTC"])
        func book(_ strike: Double, _ expiry: Int) throws -> OrderBook {
            let option = Instrument(underlying: "BTC", kind: .option(OptionContract(
                expiry: market.expiries[expiry], strike: strike, right: .call)), settlement: .linear)
            return try #require(SyntheticBook.book(for: option, in: btc, owners: ["lp"]))
        }
        func spread(_ b: OrderBook) -> Decimal { (b.asks.first?.price ?? 0) - (b.bids.first?.price ?? 0) }
        func relative(_ b: OrderBook) -> Double {
            Money.double(spread(b)) / Money.double(((b.asks.first?.price ?? 0) + (b.bids.first?.price ?? 0)) / 2)
        }
        let atm = try book(100_000, 1)
        let far = try book(150_000, 1)
        let long = try book(100_000, 3)
        #expect(relative(far) > relative(atm), "wider, relative to the premium, out of the money")
        #expect((far.asks.first?.size ?? 0) < (atm.asks.first?.size ?? 0), "thinner out of the money")
        #expect((long.asks.first?.size ?? 0) < (atm.asks.first?.size ?? 0), "thinner for a long expiry")
        #expect(spread(long) > spread(atm), "wider for a long expiry")
    }

    @Test("the simulated trade flow trades generated accounts against liquidity providers, two-sided")
    func tradeFlowTradesAgainstProviders() throws {
        let genesis = Population.genesis(market: SimulatedMarket(seed: 3), optionsPerUnderlying: 10, accounts: 10,
                                         positionsPerAccount: 2, seed: 5)
        let core = EngineCore(state: genesis)
        var rng = SplitMix64(seed: 9)
        var accepted = 0
        for _ in 0..<40 {
            guard case .trade(let t) = try #require(TradeFlow.trade(in: core.state, rng: &rng)) else { continue }
            let sides = [t.buyer, t.seller]
            #expect(sides.contains { $0.hasPrefix("lp-") } && sides.contains { $0.hasPrefix("acct-") })
            if (try? core.apply(.trade(t))) != nil { accepted += 1 }
        }
        #expect(accepted > 20)
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
    }
}
