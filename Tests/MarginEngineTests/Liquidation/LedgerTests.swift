import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import PropertyBased
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 1: every trade has two sides, open interest nets to zero, and the ledger's money sums (Σ balance −
/// linear cost per USD, Σ balance + inverse cost per coin) change only by deposits and withdrawals, exactly.
@Suite struct LedgerTests {
    typealias W = LiquidationWorld
    static let d = W.d

    /// A world with two funded traders and a listed BTC call on a flat 50% surface.
    /// The core alone (no journal, no driver: nothing here is liquidated).
    static func engine() throws -> EngineCore {
        var w = W(btc: 100_000)
        for name in ["a", "b"] {
            w.fund(name, 10_000_000)
            w.fund(name, 100, "BTC")
        }
        // Ledger arithmetic at prices far from the mark on purpose: the trade rules' band and fee rate wide open.
        let core = w.core(tradeRules: TradeRules(maxFeeRate: 1, priceBand: 1))
        let expiry = W.t0.adding(seconds: 30 * 86_400)
        try core.apply(.market(MarketUpdate(underlying: "BTC", time: W.t0, surface: [
            VolQuote(expiry: expiry, strikes: [80_000, 100_000, 120_000], vols: [0.5, 0.5, 0.5])])))
        for (id, settlement) in [("BTC-C", Settlement.linear), ("BTC-C-INV", .inverse)] {
            try core.apply(.listing(Listing(id: id, instrument: Instrument(underlying: "BTC", kind: .option(
                OptionContract(expiry: expiry, strike: 100_000, right: .call)), settlement: settlement))))
        }
        try core.apply(.listing(Listing(id: "BTC-FUT-INV", instrument: Instrument(
            underlying: "BTC", kind: .future(expiry: expiry), settlement: .inverse))))
        return core
    }

    @Test("a partial close removes cost × closed/quantity and keeps the exact remainder; realized = proceeds − cost removed")
    func partialCloseOfTheCostBasis() throws {
        let core = try Self.engine()
        // a buys 3 at 100,000.01 (cost 300,000.03), sells 1 at 110,000: removed 100,000.01, realized 9,999.99.
        try core.apply(.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-PERP", quantity: 3,
                                     price: Self.d("100000.01"))))
        try core.apply(.trade(Trade(buyer: "b", seller: "a", instrument: "BTC-PERP", quantity: 1, price: 110_000)))
        #expect(core.state.accounts["a"]?.positions["BTC-PERP"]
                == PositionState(quantity: 2, cost: Self.d("200000.02")))
        #expect(core.state.accounts["a"]?.balances["USD"] == 10_000_000 + Self.d("9999.99"))
        // b was short 3 (cost −300,000.03) and bought 1 back: removed −100,000.01, realized −9,999.99.
        #expect(core.state.accounts["b"]?.positions["BTC-PERP"]
                == PositionState(quantity: -2, cost: Self.d("-200000.02")))
        #expect(core.state.accounts["b"]?.balances["USD"] == 10_000_000 - Self.d("9999.99"))
        // A third of 2 at a price with many places: cost × 1/3 rounded once, remainder exact.
        let third = Self.d("0.666666666666666667")
        try core.apply(.trade(Trade(buyer: "b", seller: "a", instrument: "BTC-PERP", quantity: third,
                                     price: Self.d("99999.999999999999"))))
        let a = try #require(core.state.accounts["a"]?.positions["BTC-PERP"])
        #expect(a.quantity == 2 - third)
        let removed = Ledger.round(Self.d("200000.02") * third / 2)
        #expect(a.cost == Self.d("200000.02") - removed)
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
        // Flip: a sells 3 more (closes 1.333…, opens 1.666… short at the trade's price).
        try core.apply(.trade(Trade(buyer: "b", seller: "a", instrument: "BTC-PERP", quantity: 3, price: 95_000)))
        let flipped = try #require(core.state.accounts["a"]?.positions["BTC-PERP"])
        #expect(flipped.quantity == 2 - third - 3)
        #expect(flipped.cost == Ledger.round(flipped.quantity * 95_000))
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
    }

    @Test("inverse futures keep a coin cost Σ N/price computed once per trade; both sides' coin sums cancel exactly")
    func inverseCostBasisIsExact() throws {
        let core = try Self.engine()
        try core.apply(.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-PERP-INV", quantity: 1_000,
                                     price: 30_000)))
        let x = Ledger.round(Decimal(1_000) / 30_000)  // 0.033333333333333333
        #expect(core.state.accounts["a"]?.positions["BTC-PERP-INV"] == PositionState(quantity: 1_000, cost: x))
        #expect(core.state.accounts["b"]?.positions["BTC-PERP-INV"] == PositionState(quantity: -1_000, cost: -x))
        // a closes 333 at 31,000: removed round(x × 333/1000), realized removed − round(333/31,000) coins.
        try core.apply(.trade(Trade(buyer: "b", seller: "a", instrument: "BTC-PERP-INV", quantity: 333,
                                     price: 31_000)))
        let removed = Ledger.round(x * 333 / 1_000)
        let proceeds = Ledger.round(Decimal(333) / 31_000)
        #expect(core.state.accounts["a"]?.positions["BTC-PERP-INV"]?.cost == x - removed)
        #expect(core.state.accounts["a"]?.balances["BTC"] == 100 + removed - proceeds)
        // Entry for margining: N/cost.
        let entry = try #require(core.state.accounts["a"]?.positions["BTC-PERP-INV"]?.entryPrice(of: W.inversePerp))
        #expect(abs(entry - 30_000) < 1e-6)
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
    }

    @Test("fees go to the fee account and rebates come from it; the insurance fund and the fee account cannot trade")
    func feesAndSystemAccounts() throws {
        let core = try Self.engine()
        try core.apply(.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-PERP", quantity: 1, price: 100_000,
                                     buyerFee: 25, sellerFee: Self.d("-2.5"))))
        #expect(core.state.accounts["fees"]?.balances["USD"] == Self.d("22.5"))
        #expect(core.state.accounts["a"]?.balances["USD"] == Decimal(9_999_975))
        #expect(core.state.accounts["b"]?.balances["USD"] == Self.d("10000002.5"))
        try core.apply(.deposit(Transfer(account: "insurance-fund", currency: "USD", amount: 1_000)))
        for (buyer, seller) in [("insurance-fund", "a"), ("a", "fees")] {
            #expect(throws: EngineError.self) {
                try core.apply(.trade(Trade(buyer: buyer, seller: seller, instrument: "BTC-PERP", quantity: 1,
                                             price: 100_000)))
            }
        }
        #expect(core.checkInvariants().isEmpty, "\(core.checkInvariants())")
    }

    @Test("expiry pays every holder at the ledger's scale and books the rounding residue to the fee account: exact")
    func expiryResidueToTheFeeAccount() throws {
        let core = try Self.engine()
        // Three holders of the inverse call and the inverse future with quantities whose payouts round.
        try core.apply(.deposit(Transfer(account: "c", currency: "USD", amount: 10_000_000)))
        let q = Self.d("0.000000000000000003")
        try core.apply(.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-C-INV", quantity: q,
                                     price: Self.d("0.05"))))
        try core.apply(.trade(Trade(buyer: "c", seller: "b", instrument: "BTC-C-INV", quantity: 2 * q,
                                     price: Self.d("0.05"))))
        try core.apply(.trade(Trade(buyer: "a", seller: "c", instrument: "BTC-FUT-INV", quantity: 7, price: 100_001)))
        try core.apply(.trade(Trade(buyer: "b", seller: "c", instrument: "BTC-FUT-INV", quantity: 11, price: 99_999)))
        #expect(core.checkInvariants().isEmpty)
        let s = Self.d("117000.123456789")
        for id in ["BTC-C-INV", "BTC-FUT-INV"] {
            try core.apply(.expiry(Expiry(instrument: id, settlementPrice: s)))
            #expect(core.checkInvariants().isEmpty, "\(id): \(core.checkInvariants())")
        }
        #expect(core.state.accounts.values.allSatisfy {
            $0.positions["BTC-C-INV"] == nil && $0.positions["BTC-FUT-INV"] == nil
        })
    }

    @Test("random trades between random accounts in every kind of instrument keep open interest at zero and the money sums exact")
    func randomTradesConserveMoneyExactly() async throws {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            guard let core = try? Self.engine() else { Issue.record("engine"); return }
            var rng = SplitMix64(seed: UInt64(seed))
            let ids = ["BTC-PERP", "BTC-PERP-INV", "ETH-PERP", "BTC-C", "BTC-C-INV", "BTC-FUT-INV"]
            var accepted = 0
            for _ in 0..<25 {
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                let buyer = rng.unit() < 0.5 ? "a" : "b"
                let inverse = id.hasSuffix("INV")
                let quantity = id.contains("PERP-INV") || id == "BTC-FUT-INV"
                    ? Decimal(Int(rng.next() % 90_000) + 1) / 7
                    : Decimal(Int(rng.next() % 3_000) + 1) / 3_000
                let price: Decimal = id.hasPrefix("BTC-C") ? (inverse ? Decimal(Int(rng.next() % 900) + 1) / 10_000
                                                              : Decimal(Int(rng.next() % 9_000) + 1) / 3)
                    : (id == "ETH-PERP" ? 3_000 : Decimal(90_000 + Int(rng.next() % 20_000)) + Decimal(1) / 3)
                let fee = Decimal(Int(rng.next() % 100)) / 1_000 - Decimal(string: "0.02")!
                do {
                    try core.apply(.trade(Trade(buyer: buyer, seller: buyer == "a" ? "b" : "a", instrument: id,
                                                 quantity: Ledger.round(quantity), price: Ledger.round(price),
                                                 buyerFee: fee, sellerFee: fee)))
                    accepted += 1
                } catch {}
                let violations = core.checkInvariants()
                #expect(violations.isEmpty, "seed \(seed): \(violations)")
                if !violations.isEmpty { return }
            }
            #expect(accepted > 0)
        }
    }
}
