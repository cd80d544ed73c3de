import Foundation
import MarginCore
import MarginLedger
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine

/// Issue 19, finding 6: a trade's fees are bounded by a rate of its notional (rebates too), the fee account never
/// pays a rebate it does not hold, and a trade's price stays within a band around the mark (``TradeRules``).
@Suite struct TradeRulesTests {
    typealias F = EngineFixtures

    /// An empty engine (``EngineFixtures/emptyEngine(store:faultPolicy:)``) with a funded trader `a`, under `rules`.
    static func engine(_ rules: TradeRules = .default) async throws -> (RiskEngine, InMemoryJournal) {
        let store = InMemoryJournal()
        let engine = try await RiskEngine.open(store: store, tradeRules: rules)
        for i in F.market.underlyings.indices { try await engine.submit(F.market.marketEvent(i)) }
        for l in F.market.listings(optionsPerUnderlying: 20) { try await engine.submit(.listing(l)) }
        try await engine.submit(.deposit(Transfer(account: F.lp, currency: "USD", amount: 1_000_000_000_000)))
        try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 1_000_000)))
        return (engine, store)
    }

    static func perpPrice(_ engine: RiskEngine) async throws -> Decimal {
        let market = try #require(await engine.markets["BTC"])
        return Decimal(Int(market.perpetualPrice.rounded()))
    }

    @Test("the reported trade: 0.001 BTC-PERP (~100 USD) with buyerFee −500000 is refused naming buyerFee and the bound; −1e14 too; nothing journaled")
    func hugeRebateRefused() async throws {
        let (engine, store) = try await Self.engine()
        let price = try await Self.perpPrice(engine)
        for fee in ["-500000", "-100000000000000", "500000"] {
            let trade = F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"), price: price,
                                fee: F.dec(fee))
            await EventValidationTests.expectRejected(engine, store, trade, field: "buyerFee")
            do {
                try await engine.submit(trade)
            } catch {
                #expect(error.description.contains("1%"), "names the rate: \(error)")
            }
        }
        #expect(await engine.state.accounts["fees"] == nil, "the fee account was never touched")
    }

    @Test("a fee of exactly the rate of the notional is accepted, one unit more is refused; on the seller too")
    func feeBoundIsInclusive() async throws {
        let (engine, store) = try await Self.engine()
        let price = try await Self.perpPrice(engine)
        let limit = F.dec("0.001") * price / 100  // 1% of q·p, USD
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"), price: price,
                                        fee: limit))
        await EventValidationTests.expectRejected(
            engine, store, F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("-0.001"), price: price,
                                   fee: limit + F.dec("0.01")), field: "sellerFee")
    }

    @Test("the fee account never goes below zero: a rebate within the rate but beyond its balance is refused")
    func feeAccountPaysOnlyWhatItHolds() async throws {
        let (engine, store) = try await Self.engine()
        let price = try await Self.perpPrice(engine)
        // The fee account holds nothing yet: any rebate is refused.
        await EventValidationTests.expectRejected(
            engine, store, F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.01"), price: price,
                                   fee: F.dec("-1")), field: "buyerFee")
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.01"), price: price,
                                        fee: F.dec("2")))
        // 2 USD held: a rebate of 2 is paid, the next one is refused.
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("-0.01"), price: price,
                                        fee: F.dec("-2")))
        #expect(await engine.state.accounts["fees"]?.balances["USD"] == 0)
        await EventValidationTests.expectRejected(
            engine, store, F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.01"), price: price,
                                   fee: F.dec("-0.01")), field: "buyerFee")
    }

    @Test("a trade priced outside mark ± band is refused with the band in the message; inside it is accepted; the band is configurable")
    func priceBand() async throws {
        let (engine, store) = try await Self.engine()
        let mark = try await Self.perpPrice(engine)
        for price in [mark * F.dec("1.11"), mark * F.dec("0.89")] {
            let trade = F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"), price: price)
            await EventValidationTests.expectRejected(engine, store, trade, field: "price")
            do { try await engine.submit(trade) } catch {
                #expect(error.description.contains("±10%"), "\(error)")
            }
        }
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"),
                                        price: mark * F.dec("1.09")))
        let (wide, _) = try await Self.engine(TradeRules(maxFeeRate: F.dec("0.01"), priceBand: F.dec("0.2")))
        try await wide.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"),
                                      price: mark * F.dec("1.15")))
    }

    @Test("rules out of their domain are refused when the engine opens")
    func rulesValidated() async {
        for rules in [TradeRules(maxFeeRate: -1), TradeRules(maxFeeRate: 2), TradeRules(priceBand: 0),
                      TradeRules(priceBand: .nan)] {
            await #expect(throws: EngineError.self) { try await RiskEngine.open(store: InMemoryJournal(), tradeRules: rules) }
        }
    }

    @Test("replay applies journaled trades without the rules: a journal written under a wide band replays under the default")
    func replayDoesNotRevalidate() async throws {
        let store = InMemoryJournal()
        let engine = try await RiskEngine.open(store: store, tradeRules: TradeRules(maxFeeRate: 1, priceBand: 1))
        for i in F.market.underlyings.indices { try await engine.submit(F.market.marketEvent(i)) }
        for l in F.market.listings(optionsPerUnderlying: 20) { try await engine.submit(.listing(l)) }
        try await engine.submit(.deposit(Transfer(account: F.lp, currency: "USD", amount: 1_000_000_000_000)))
        try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 1_000_000)))
        let mark = try await Self.perpPrice(engine)
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: F.dec("0.001"),
                                        price: mark * F.dec("1.5"), fee: F.dec("1")))
        let digest = await engine.digest
        await engine.close()
        let replayed = try await RiskEngine.open(store: store, snapshotGenesis: false, faultPolicy: .stop)
        #expect(await replayed.digest == digest)
        await replayed.close()
    }
}
