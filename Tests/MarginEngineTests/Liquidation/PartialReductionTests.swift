import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 4: partial reduction against the book, within the impact limit, ranked by MM removed per unit of
/// execution cost, with the liquidation fee to the insurance fund, until equity ≥ MM × (1 + buffer).
@Suite struct PartialReductionTests {
    typealias W = LiquidationWorld
    static let d = W.d

    /// Account `t`: long 1 BTC-PERP entered at 100,000, 20,600 USD, index 93,000: equity 13,600, MM 14,694
    /// (liquidation). BTC-PERP bids: 92,800 × 0.3 (lp-a), 92,500 × 0.5 (lp-b), 91,000 × 10 (lp-a).
    static func single(cash: Decimal = 20_600) -> LiquidationWorld {
        var w = W(btc: 93_000)
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp-c")
        w.fund("t", cash)
        for lp in ["lp-a", "lp-b", "lp-c"] { w.fund(lp, 1_000_000_000) }
        w.book("BTC-PERP", bids: [(92_800, d("0.3"), "lp-a"), (92_500, d("0.5"), "lp-b"), (91_000, 10, "lp-a")],
               asks: [(93_200, 1, "lp-b")])
        return w
    }

    /// By hand: the impact limit is 1% of the mark, 92,070, so the step sells the 0.8 BTC the book absorbs there
    /// (0.3 at 92,800 and 0.5 at 92,500), not the level at 91,000.
    /// - fee 0.5% × (27,840 + 46,250) = 370.45 USD to the insurance fund;
    /// - realized (27,840 − 30,000) + (46,250 − 50,000) = −5,910: the 0.3 removes 30,000 of the 100,000 cost, the 0.5
    ///   removes 70,000 × 0.5/0.7 = 50,000; 0.2 BTC remain at a cost of 20,000;
    /// - balance 20,600 − 5,910 − 370.45 = 14,319.55; equity 14,319.55 − 0.2 × 7,000 = 12,919.55;
    /// - MM 0.158 × 0.2 × 93,000 = 2,938.8 (removed 11,755.2); cost 0.3 × 200 + 0.5 × 500 + 370.45 = 680.45;
    /// - target 1.1 × 2,938.8 = 3,232.68 ≤ 12,919.55: the liquidation ends after this one step.
    @Test("a partial step against a given book: fills within the impact limit, fee, realized P&L, book consumed, by hand")
    func partialStepAgainstAGivenBook() async throws {
        let engine = try await Self.single().engine()
        let actions = try await engine.liquidateDue()
        #expect(actions.count == 3, "\(actions.map(\.kind))")
        let step = try #require(actions.dropFirst().first?.step)
        #expect(step.account == "t" && step.instrument == "BTC-PERP" && step.action == .reduce && step.side == .sell)
        #expect(step.fills == [.init(price: 92_800, size: Self.d("0.3"), account: "lp-a"),
                               .init(price: 92_500, size: Self.d("0.5"), account: "lp-b")])
        #expect(step.fee == Self.d("370.45") && step.feeCurrency == "USD")
        #expect(close(step.maintenanceMarginBefore, 14_694) && close(step.maintenanceMarginAfter, 2_938.8))
        #expect(close(step.cost, 680.45))
        let state = await engine.state
        let t = try #require(state.accounts["t"])
        #expect(t.balances["USD"] == Self.d("14319.55"))
        #expect(t.positions["BTC-PERP"] == PositionState(quantity: Self.d("0.2"), cost: 20_000))
        #expect(close(try #require(await engine.margin(of: "t")).equity, 12_919.55))
        #expect(state.accounts["insurance-fund"]?.balances["USD"] == Self.d("370.45"))
        #expect(state.accounts["lp-a"]?.positions["BTC-PERP"]
                == PositionState(quantity: Self.d("0.3"), cost: 27_840))
        #expect(state.accounts["lp-b"]?.positions["BTC-PERP"]
                == PositionState(quantity: Self.d("0.5"), cost: 46_250))
        #expect(state.books["BTC-PERP"]?.bids == [BookLevel(price: 91_000, size: 10, account: "lp-a")])
        let end = try #require(actions.last?.end)
        #expect(end.account == "t" && close(end.maintenanceMargin, 2_938.8))
        #expect(state.liquidations.isEmpty)
    }

    /// The worked example of docs/LIQUIDATION.md. Account `w`: long 1 BTC-PERP (100,000) and 20 ETH-PERP (3,000),
    /// entered at mark, 22,000 USD: MM 15,800 + 9,480 = 25,280, liquidation. Books: BTC-PERP bids 99,200 × 0.5 then
    /// 98,000 × 5 (outside the 1% limit, 99,000); ETH-PERP bids 2,997 × 20 then 2,990 × 100.
    /// - reduce BTC: 0.5 at 99,200 removes 7,900 of MM at slippage 400 + fee 248 = 648: 12.19 MM per dollar;
    /// - reduce ETH: 20 at 2,997 removes 9,480 at slippage 60 + fee 299.70 = 359.70: 26.36 MM per dollar.
    /// The rule sells the ETH: equity 22,000 − 359.70 = 21,640.30 ≥ 1.1 × 15,800 = 17,380, done in one step.
    /// "Largest position first" sells the BTC: equity 21,352 ≥ 1.1 × 17,380 = 19,118, done in one step too, but it
    /// removed 7,900 for 648 dollars against 9,480 for 359.70: the rule removes 2.2 times as much MM per dollar,
    /// and costs the account 288.30 less.
    static func example() -> LiquidationWorld {
        var w = W()
        w.position("w", "BTC-PERP", 1, entry: 100_000, against: "lp-c")
        w.position("w", "ETH-PERP", 20, entry: 3_000, against: "lp-c")
        w.fund("w", 22_000)
        for lp in ["lp-a", "lp-c"] { w.fund(lp, 1_000_000_000) }
        w.book("BTC-PERP", bids: [(99_200, Self.d("0.5"), "lp-a"), (98_000, 5, "lp-a")])
        w.book("ETH-PERP", bids: [(2_997, 20, "lp-a"), (2_990, 100, "lp-a")])
        return w
    }

    @Test("the choice rule removes more MM per dollar of cost than largest-position-first (worked example, by hand)")
    func choiceRuleBeatsLargestPositionFirst() async throws {
        let engine = try await Self.example().engine()
        #expect(close(try #require(await engine.margin(of: "w")).maintenanceMargin, 25_280))
        let actions = try await engine.journalDue().followUps
        #expect(actions.map(\.kind) == ["marginCall", "liquidation", "liquidationEnd"])
        let rule = try #require(actions[1].step)
        #expect(rule.instrument == "ETH-PERP" && rule.fills == [.init(price: 2_997, size: 20, account: "lp-a")])
        #expect(rule.fee == Self.d("299.7"))
        let ruleRemoved = rule.maintenanceMarginBefore - rule.maintenanceMarginAfter
        #expect(close(ruleRemoved, 9_480) && close(rule.cost, 359.7))
        #expect(close(try #require(await engine.margin(of: "w")).equity, 21_640.3))

        // Largest position first, on the core alone (no driver to plan after the call): the BTC step (which
        // validation accepts as a step).
        let other = Self.example().core()
        try other.apply(try #require(other.liquidationActions().first))  // the margin call
        let largest = LiquidationStep(account: "w", instrument: "BTC-PERP", action: .reduce, side: .sell,
                                      fills: [.init(price: 99_200, size: Self.d("0.5"), account: "lp-a")],
                                      fee: 248, feeCurrency: "USD", time: W.t0, maintenanceMarginBefore: 25_280,
                                      maintenanceMarginAfter: 17_380, cost: 648)
        try other.apply(.liquidation(largest))
        let after = try #require(other.margin(of: "w"))
        #expect(close(after.maintenanceMargin, 17_380) && close(after.equity, 21_352))
        #expect(after.equity >= 1.1 * after.maintenanceMargin, "one step reaches the target there too")
        let largestRemoved = 25_280 - after.maintenanceMargin
        #expect(close(ruleRemoved / rule.cost, 9_480 / 359.7) && close(largestRemoved / 648, 7_900 / 648.0))
        #expect(ruleRemoved / rule.cost > 2 * (largestRemoved / 648))
        #expect(rule.cost < 648)
    }

    @Test("at most maxStepsPerRound steps per round, one round per 1/roundsPerSecond of journal time (clock events)")
    func roundsFollowJournalTime() async throws {
        // 16,000 USD: equity 9,000, MM 14,694. Each step finds 0.2 BTC at 92,900 within the limit, and the
        // account stays in liquidation (equity 8,887.10 against MM 11,755.20 after the first).
        var w = Self.single(cash: 16_000)
        w.book("BTC-PERP", bids: [(92_900, Self.d("0.2"), "lp-a")])
        var settings = LiquidationSettings()
        settings.maxStepsPerRound = 1
        settings.roundsPerSecond = 1
        w.state.liquidation = settings
        let engine = try await w.engine()
        let log = await engine.recordCommits()
        let first = try await engine.journalDue().followUps
        #expect(first.map(\.kind) == ["marginCall", "liquidation"])
        #expect(await engine.liquidationActions().isEmpty, "the round's one step is taken")
        #expect(engine.ledgerStatus.liquidating == 1)
        #expect(await engine.liquidatingAccounts == ["t"])
        let refill = BookUpdate(instrument: "BTC-PERP", book: OrderBook(
            bids: [BookLevel(price: 92_900, size: Self.d("0.2"), account: "lp-a")]))
        #expect(try await engine.submit(.book(refill)).followUps.isEmpty, "a new book, but the same round")
        #expect(try await engine.advanceClock(to: W.t0) == nil, "same time: nothing journaled")
        let short = try await engine.advanceClock(to: Instant(nanosecondsSinceEpoch: W.t0.nanosecondsSinceEpoch
                                                                  + 999_999_999))
        #expect(short?.followUps.isEmpty == true, "a nanosecond short of a second: no new round")
        let second = try #require(try await engine.advanceClock(to: W.t0.adding(seconds: 1))).followUps
        #expect(second.map(\.kind) == ["liquidation"], "\(second.map(\.kind))")
        #expect(second.first?.step?.time == W.t0.adding(seconds: 1))
        // The episode's rounds are journaled state.
        #expect(await engine.state.liquidations["t"]?.steps == 2)
        #expect(await engine.state.time == W.t0.adding(seconds: 1))
        // Books exhausted and a new round due: no admissible step, so the takeover.
        let third = try #require(try await engine.advanceClock(to: W.t0.adding(seconds: 2))).followUps
        #expect(third.map(\.kind) == ["takeover"])
        #expect(await engine.liquidatingAccounts.isEmpty)
        #expect(log.violations.isEmpty, "\(log.violations)")
        #expect(await engine.checkInvariants().isEmpty)
    }

    @Test("a maker that would fail the pre-trade rule is skipped like a cancelled order")
    func makerFailingTheRuleIsSkipped() async throws {
        var w = Self.single()
        // lp-a can afford nothing: 100 USD.
        w.state.accounts["lp-a"]?.balances["USD"] = 100
        w.state.deposits["USD"] = (w.state.deposits["USD"] ?? 0) - 1_000_000_000 + 100
        let engine = try await w.engine()
        let actions = try await engine.journalDue().followUps
        let step = try #require(actions.compactMap(\.step).first)
        #expect(step.fills == [.init(price: 92_500, size: Self.d("0.5"), account: "lp-b")], "lp-a's levels skipped")
        #expect(await engine.state.books["BTC-PERP"]?.bids.first
                == BookLevel(price: 92_800, size: Self.d("0.3"), account: "lp-a"),
                "a skipped level stays in the book")
        #expect(await engine.checkInvariants().isEmpty)
    }

    @Test("never increase MM: a step whose fills would raise MM is refused, and the planner never proposes one")
    func neverIncreasesMaintenanceMargin() async throws {
        let core = Self.single().core()
        try core.apply(try #require(core.liquidationActions().first))  // the margin call
        // A "hedge" buying BTC-PERP adds to the long: MM rises. Validation refuses it.
        let up = LiquidationStep(account: "t", instrument: "BTC-PERP", action: .hedge, side: .buy,
                                 fills: [.init(price: 93_200, size: 1, account: "lp-b")], fee: Self.d("466"),
                                 feeCurrency: "USD", time: W.t0, maintenanceMarginBefore: 0,
                                 maintenanceMarginAfter: 0, cost: 0)
        #expect(throws: EngineError.invalid(field: "fills",
                                            reason: "the step does not lower the account's maintenance margin")) {
            try core.apply(.liquidation(up))
        }
        #expect(core.state.liquidations["t"]?.steps == 0, "nothing of it applied")
        let engine = try await Self.single().engine()
        for action in try await engine.journalDue().followUps {
            if let s = action.step { #expect(s.maintenanceMarginAfter < s.maintenanceMarginBefore) }
        }
    }

    /// Account `h`: short 100,000 USD of the inverse perpetual entered at 92,000, 14,000 USD, index 93,000: coin
    /// P&L −100,000 × (1/92,000 − 1/93,000) = −0.0116873 BTC (−1,086.92 USD), equity 12,913.08, MM 15,800 (15.75%
    /// of 100,000 plus 0.05%): liquidation. The inverse perpetual has no book; the linear one has asks 93,100 × 0.5
    /// and 94,000 × 5 (beyond the 1% limit, 93,930). The only step is the hedge: the delta is −100,000/93,000 =
    /// −1.07526882 BTC, so buy that much of BTC-PERP, of which the book gives 0.5 at 93,100: the net move exposure
    /// falls from 100,000 to 53,500 USD per unit move, MM to 15.75% × 53,500 + 0.05% × 146,500 = 8,499.50.
    @Test("hedge with the perpetual when the position itself has no book (Deribit's fallback; may open a position)")
    func hedgesWithThePerpetualWhenThePositionCannotTrade() async throws {
        var w = W(btc: 93_000)
        w.position("h", "BTC-PERP-INV", -100_000, entry: 92_000, against: "lp-c")
        w.fund("h", 14_000)
        for lp in ["lp-a", "lp-c"] { w.fund(lp, 1_000_000_000) }
        w.book("BTC-PERP", bids: [(92_900, 5, "lp-a")], asks: [(93_100, Self.d("0.5"), "lp-a"), (94_000, 5, "lp-a")])
        let engine = try await w.engine()
        let m = try #require(await engine.margin(of: "h"))
        #expect(m.health == .liquidation, "equity \(m.equity), MM \(m.maintenanceMargin)")
        let actions = try await engine.liquidateDue()
        let hedge = try #require(actions.compactMap(\.step).first)
        #expect(hedge.action == .hedge && hedge.instrument == "BTC-PERP" && hedge.side == .buy)
        #expect(hedge.fills == [.init(price: 93_100, size: Self.d("0.5"), account: "lp-a")])
        #expect(close(hedge.maintenanceMarginBefore, 15_800) && close(hedge.maintenanceMarginAfter, 8_499.5))
        #expect(await engine.state.accounts["h"]?.positions["BTC-PERP"]?.quantity == Self.d("0.5"),
                "opened a perpetual")
    }
}

/// The planner's screen (``LiquidationPlanner/screen(_:_:_:_:_:)``): ranking candidate orders in `Double` and
/// executing exactly only those that may still win chooses what executing every order exactly chooses.
@Suite struct PartialReductionScreenTests {
    @Test("with the screen the planner chooses exactly the steps it chooses executing every candidate exactly (options, perpetuals, futures; linear and inverse)")
    func screenChoosesWhatExactEvaluationChooses() throws {
        var compared = 0
        var rng = SplitMix64(seed: 44)
        for seed in 1...12 {
            var state = CrashPopulation.genesis(market: SimulatedMarket(seed: UInt64(seed)), accounts: 80,
                                                optionsPerUnderlying: 30, seed: UInt64(seed), insuranceFund: 1_000_000,
                                                largeAccountPositions: 12 + Int(rng.next() % 30))
            // A fall (or a squeeze) that puts traders below MM, and fees and limits that vary.
            let move = rng.unit() < 0.75 ? 0.88 + 0.08 * rng.unit() : 1.04 + 0.06 * rng.unit()
            for (u, m) in state.markets.sorted(by: { $0.key < $1.key }) {
                state.apply(.market(MarketUpdate(underlying: u, time: state.time.adding(seconds: 1),
                                                 index: m.index * move)))
            }
            state.liquidation.futuresFeeRate = [Decimal(0), Decimal(string: "0.0005")!][seed % 2]
            state.liquidation.impactLimit = [Decimal(string: "0.01")!, Decimal(string: "0.03")!][(seed / 2) % 2]
            state.liquidation.maxStepsPerRound = 5
            let core = EngineCore(state: state)
            core.setThreads(1)
            var screened = LiquidationPlanner(book: core.book, state: core.state)
            var exact = LiquidationPlanner(book: core.book, state: core.state)
            exact.screening = false
            let a = screened.plan()
            let b = exact.plan()
            #expect(a == b, "seed \(seed)")
            compared += a.filter { if case .liquidation = $0 { return true } else { return false } }.count
        }
        #expect(compared >= 50, "the populations gave \(compared) steps to compare")
    }
}
