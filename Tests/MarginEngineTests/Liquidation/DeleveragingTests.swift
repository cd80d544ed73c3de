import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 6: when the insurance fund cannot cover a loss, opposite-side positions ranked by BitMEX's rule are
/// closed at the bankruptcy price until it is covered; an account with no position never shares a loss.
@Suite struct DeleveragingTests {
    typealias W = LiquidationWorld
    static let d = W.d

    /// Account `a`: long 1 BTC-PERP entered at 100,000, 5,000 USD, index 93,000: equity −2,000. The fund has 1,000.
    /// Opposite side (shorts): `c1` −0.5 entered at 100,000 with 20,000 USD (P&L +3,500, equity 23,500, PNL% 7%,
    /// leverage 46,500/23,500 = 1.979, score 0.1385); `c2` −0.8 entered at 95,000 with 30,000 USD (P&L +1,600, equity
    /// 31,600, PNL% 2.105%, leverage 74,400/31,600 = 2.354, score 0.0496). `d` is long 0.3 (same side: never ranked);
    /// `e` holds nothing. Backstop `b` (1,000,000) would take it at a 1,860 discount the fund cannot pay.
    ///
    /// The uncovered loss is L = 2,000 − 1,000 + 10⁻⁶ × 2,000 = 1,000.002 (the reserve keeps the fund ≥ 0 whatever
    /// the rounding): the position closes at 93,000 + 1,000.002 / 1 = 94,000.002, 0.5 to c1 (rank 1), 0.5 to c2
    /// (rank 2), each bearing 500.001; the account is left with 5,000 − 2 × (50,000 − 47,000.001) = −999.998 USD,
    /// which the fund pays: 1,000 − 999.998 = 0.002.
    @Test("an ADL ranking and its fills at the bankruptcy price when the fund runs dry, by hand; the loss is covered")
    func rankingAndFillsWhenTheFundRunsDry() async throws {
        var w = W(btc: 93_000)
        // Positions built directly (open interest 1 + 0.3 − 0.5 − 0.8 = 0).
        w.state.accounts["a"] = AccountState(balances: ["USD": 5_000],
                                             positions: ["BTC-PERP": PositionState(quantity: 1, cost: 100_000)])
        w.state.accounts["c1"] = AccountState(balances: ["USD": 20_000], positions: [
            "BTC-PERP": PositionState(quantity: Self.d("-0.5"), cost: -50_000)])
        w.state.accounts["c2"] = AccountState(balances: ["USD": 30_000], positions: [
            "BTC-PERP": PositionState(quantity: Self.d("-0.8"), cost: -76_000)])
        w.state.accounts["d"] = AccountState(balances: ["USD": 10_000], positions: [
            "BTC-PERP": PositionState(quantity: Self.d("0.3"), cost: 28_500)])
        w.state.accounts["e"] = AccountState(balances: ["USD": 10_000])
        w.state.accounts["b"] = AccountState(balances: ["USD": 1_000_000])
        w.state.accounts["insurance-fund"] = AccountState(balances: ["USD": 1_000])
        w.state.liquidation.backstops = ["b"]
        // Σ balance − Σ cost = deposits: 1,076,000 − (100,000 − 50,000 − 76,000 + 28,500) = 1,073,500.
        w.state.deposits["USD"] = 1_073_500
        let engine = try await w.engine()
        let atGenesis = await engine.checkInvariants()
        #expect(atGenesis.isEmpty, "\(atGenesis)")
        let notices = await engine.liquidationNotices()
        let actions = try await engine.liquidateDue()
        #expect(engine.ledgerStatus.isClean && engine.ledgerStatus.liquidating == 0)
        let state = await engine.state
        #expect(actions.map(\.kind) == ["marginCall", "deleverage", "deleverage", "takeover"], "\(actions.map(\.kind))")
        let fills = actions.compactMap(\.deleverage)
        #expect(fills.map(\.counterparty) == ["c1", "c2"] && fills.map(\.rank) == [1, 2])
        #expect(close(fills[0].score, 0.07 * 46_500 / 23_500, 1e-12))
        #expect(close(fills[1].score, 1_600.0 / 76_000 * 74_400 / 31_600, 1e-12))
        for f in fills {
            #expect(f.account == "a" && f.side == .sell && f.quantity == Self.d("0.5"))
            #expect(f.price == Self.d("94000.002") && f.markPrice == 93_000)
        }
        let published = await take(actions.count, from: notices)
        #expect(published.map(\.event) == actions, "each notified")
        #expect(published.filter { $0.event.deleverage != nil }.map(\.accounts) == [["a", "c1"], ["a", "c2"]],
                "a deleverage notice names its counterparty")
        // c1 closed its whole short at 94,000.002 (realized 50,000 − 47,000.001); c2 half of its.
        #expect(state.accounts["c1"]?.positions["BTC-PERP"] == nil)
        #expect(state.accounts["c1"]?.balances["USD"] == Self.d("22999.999"))
        #expect(state.accounts["c2"]?.positions["BTC-PERP"]
                == PositionState(quantity: Self.d("-0.3"), cost: -28_500))
        // Each bore 0.5 × 1,000.002 = 500.001 against the mark: c1's equity 23,500 → 22,999.999.
        #expect(close(try #require(await engine.margin(of: "c1")).equity, 22_999.999))
        #expect(close(try #require(await engine.margin(of: "c2")).equity, 31_600 - 500.001))
        // The account ends flat at zero; the fund paid what it had, less the reserve.
        #expect(state.accounts["a"]?.balances.isEmpty == true
                && state.accounts["a"]?.positions.isEmpty == true)
        #expect(state.accounts["insurance-fund"]?.balances["USD"] == Self.d("0.002"))
        let t = try #require(actions.last?.takeover)
        #expect(t.transfers.isEmpty && close(t.fundPays, 999.998))
        // Same side, no position, the backstop: untouched.
        #expect(state.accounts["d"]?.positions["BTC-PERP"]?.quantity == Self.d("0.3"))
        #expect(state.accounts["e"]?.balances["USD"] == 10_000
                && state.accounts["b"]?.positions.isEmpty == true)
    }
}
