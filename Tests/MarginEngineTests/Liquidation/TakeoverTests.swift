import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 5: the whole portfolio to the backstops in proportion to their remaining capacity, each only as far as
/// it stays above its IM, at mark minus the discount; the rest to the insurance fund; the account flat at zero
/// equity, a bankruptcy shortfall charged to the fund.
@Suite struct TakeoverTests {
    typealias W = LiquidationWorld
    static let d = W.d

    /// Account `k`: long 1 BTC-PERP entered at 100,000, `cash` USD, index 93,000 (equity cash − 7,000, MM 14,694);
    /// backstops `b1` and `b2` holding only USD (capacity = equity − IM = their cash); no book (no partial step).
    static func world(cash: Decimal, b1: Decimal, b2: Decimal, fund: Decimal = 0) -> LiquidationWorld {
        var w = W(btc: 93_000)
        w.position("k", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("k", cash)
        w.fund("lp", 1_000_000_000)
        w.fund("b1", b1)
        w.fund("b2", b2)
        if fund > 0 { w.fund("insurance-fund", fund) }
        w.state.liquidation.backstops = ["b1", "b2"]
        return w
    }

    /// 13,000 USD: equity 6,000 < 0.5 × 14,694: takeover. Capacities 300,000 and 100,000: shares 3/4 and 1/4, at
    /// 93,000 × (1 − 2%) = 91,140. Each stays above its IM (b1: equity 300,000 + 0.75 × 1,860 = 301,395 against IM
    /// 1.3 × 0.158 × 0.75 × 93,000 = 14,326.29). The account realizes 0.75 × 91,140 − 75,000 = −6,645 and
    /// 0.25 × 91,140 − 25,000 = −2,215: 13,000 − 8,860 = 4,140 USD left, which goes to the fund (the account paid
    /// the 1,860 discount: 6,000 − 1,860 = 4,140).
    @Test("takeover split between two backstops in proportion to their capacity, at mark minus the discount, by hand")
    func takeoverSplitByCapacity() async throws {
        let engine = try await Self.world(cash: 13_000, b1: 300_000, b2: 100_000).engine()
        #expect(await engine.margin(of: "k")?.health == .takeover)
        let actions = try await engine.liquidateDue()
        let state = await engine.state
        #expect(actions.map(\.kind) == ["marginCall", "takeover"])
        let t = try #require(actions.last?.takeover)
        #expect(t.transfers == [.init(to: "b1", instrument: "BTC-PERP", quantity: Self.d("0.75"), price: 91_140),
                                .init(to: "b2", instrument: "BTC-PERP", quantity: Self.d("0.25"), price: 91_140)])
        #expect(close(t.equity, 6_000) && close(t.fundPays, -4_140))
        let k = try #require(state.accounts["k"])
        #expect(k.positions.isEmpty && k.balances.isEmpty, "flat, no balance: equity exactly 0")
        #expect(await engine.margin(of: "k")?.equity == 0)
        #expect(state.accounts["b1"]?.positions["BTC-PERP"]
                == PositionState(quantity: Self.d("0.75"), cost: 68_355))
        #expect(state.accounts["b2"]?.positions["BTC-PERP"]
                == PositionState(quantity: Self.d("0.25"), cost: 22_785))
        #expect(state.accounts["insurance-fund"]?.balances["USD"] == 4_140)
        #expect(close(try #require(await engine.margin(of: "b1")).equity, 301_395))
        #expect(state.liquidations.isEmpty)
    }

    @Test("a backstop whose share would leave it below its IM takes a scaled-down share; the fund takes the rest")
    func backstopShareScaledDownToItsInitialMargin() async throws {
        // Capacities 3,000 and 1,000: a 0.75 share needs 1.3 × 0.158 × 0.75 × 93,000 − 0.75 × 1,860 = 12,931.50.
        let engine = try await Self.world(cash: 13_000, b1: 3_000, b2: 1_000, fund: 50_000).engine()
        let actions = try await engine.liquidateDue()
        let t = try #require(actions.last?.takeover)
        let b1 = t.transfers.filter { $0.to == "b1" }.reduce(Decimal(0)) { $0 + $1.quantity }
        let b2 = t.transfers.filter { $0.to == "b2" }.reduce(Decimal(0)) { $0 + $1.quantity }
        let fund = t.transfers.filter { $0.to == "insurance-fund" }.reduce(Decimal(0)) { $0 + $1.quantity }
        #expect(b1 > 0 && b1 < Self.d("0.75") && b2 > 0 && b2 < Self.d("0.25"))
        #expect(b1 + b2 + fund == 1, "the whole position moves")
        #expect(t.transfers.first { $0.to == "insurance-fund" }?.price == 93_000, "the fund takes the rest at mark")
        for b in ["b1", "b2"] {
            let m = try #require(await engine.margin(of: b))
            #expect(m.equity >= m.initialMargin, "\(b) stays above its IM")
            // ... and not by much: a share 2⁻¹⁰ larger would not (bisection).
            #expect(m.equity - m.initialMargin < 0.01 * 4_000)
        }
    }

    /// 5,000 USD: equity 5,000 − 7,000 = −2,000 (takeover). b1 (300,000) takes all at 91,140: the account has
    /// 5,000 − 8,860 = −3,860 USD left, which the fund pays: 10,000 − 3,860 = 6,140.
    @Test("a bankruptcy shortfall is charged to the insurance fund, exactly, and the account ends at zero")
    func bankruptcyChargedToTheFund() async throws {
        let engine = try await Self.world(cash: 5_000, b1: 300_000, b2: 0, fund: 10_000).engine()
        let actions = try await engine.liquidateDue()
        let state = await engine.state
        let t = try #require(actions.last?.takeover)
        #expect(t.transfers == [.init(to: "b1", instrument: "BTC-PERP", quantity: 1, price: 91_140)])
        #expect(close(t.fundPays, 3_860))
        #expect(state.accounts["insurance-fund"]?.balances["USD"] == 6_140)
        #expect(state.accounts["k"]?.balances.isEmpty == true && state.accounts["k"]?.positions.isEmpty == true)
        #expect(actions.allSatisfy { $0.deleverage == nil }, "the fund covers it: no ADL")
    }

    @Test("without backstops the insurance fund takes the positions at mark and holds them")
    func fundTakesWhatNoBackstopCan() async throws {
        let engine = try await Self.world(cash: 13_000, b1: 0, b2: 0).engine()
        let actions = try await engine.journalDue().followUps
        let t = try #require(actions.last?.takeover)
        #expect(t.transfers == [.init(to: "insurance-fund", instrument: "BTC-PERP", quantity: 1, price: 93_000)])
        let fund = try #require(await engine.state.accounts["insurance-fund"])
        #expect(fund.positions["BTC-PERP"] == PositionState(quantity: 1, cost: 93_000))
        #expect(fund.balances["USD"] == 6_000)
        #expect(await engine.liquidationActions().isEmpty, "the fund is never liquidated")
        await #expect(throws: EngineError.self) {
            try await engine.submit(.trade(Trade(buyer: "lp", seller: "insurance-fund", instrument: "BTC-PERP",
                                                 quantity: 1, price: 93_000)))
        }
    }
}
