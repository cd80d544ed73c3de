import MarginApp
import MarginCore
import MarginTestSupport
import MarginVenues
import Testing

/// `WhatIf`: the pre-trade check on the one rule, and pool by pool under Deribit.
@Suite struct WhatIfTests {
    static func market() throws -> MarketSnapshot {
        try InputFile.decode(ExampleFiles.path("market.json"), option: "--market") { (n) throws(InputError) in
            try MarketSnapshot(json: n)
        }
    }

    static let call = Instrument(
        underlying: "BTC",
        kind: .option(OptionContract(expiry: Instant(iso8601: "2026-03-27T08:00:00Z")!, strike: 110_000, right: .call)),
        settlement: .linear)

    /// Short 10 BTC calls with too little USD: the account sits below IM (restricted).
    static func restricted(_ market: MarketSnapshot) throws -> Portfolio {
        var p = Portfolio(account: "short-calls", balances: ["USD": 0], positions: [Position(instrument: call, size: -10)])
        let m = try MarginCalculator(parameters: .reference).margin(of: p, market: market, explain: false)
        // Equity between MM and IM: MM + 0.1·(IM − MM) − the short calls' value.
        p.balances["USD"] = m.maintenanceMargin + 0.1 * (m.initialMargin - m.maintenanceMargin) - m.equity
        return p
    }

    /// The property the issue asks for: a trade that lowers IM but lowers equity − IM through its premium. The old
    /// `what-if` rule ("accepted when IM does not rise") accepts it; the one rule rejects it, as the engine does.
    @Test func aTradeLoweringInitialMarginButDeepeningTheShortfallIsRejected() throws {
        let market = try Self.market()
        let inputs = AccountInputs(market: market, portfolio: try Self.restricted(market), preset: VenuePreset(.reference))
        let btc = try #require(market.underlyings["BTC"])
        let value = try InstrumentValuation(instrument: Self.call, market: btc).valueUSD
        // At a fair price (the mark) buying back 1 call is risk-reducing: accepted.
        let fair = try WhatIf.evaluate(inputs, legs: [TradeLeg(position: Position(instrument: Self.call, size: 1),
                                                               price: value)], tradeLabel: "--trade")
        #expect(fair.decision.accepted)
        #expect(fair.decision.reason == .reducesRisk)
        #expect(fair.after.equity < fair.after.initialMargin)
        let imDrop = fair.before.initialMargin - fair.after.initialMargin
        #expect(imDrop > 0)
        // Overpaying by 2·imDrop lowers equity by 2·imDrop, IM by imDrop: equity − IM falls by imDrop.
        let overpaid = try WhatIf.evaluate(
            inputs, legs: [TradeLeg(position: Position(instrument: Self.call, size: 1), price: value + 2 * imDrop)],
            tradeLabel: "--trade")
        #expect(overpaid.after.initialMargin <= overpaid.before.initialMargin, "the old rule would have accepted it")
        #expect(!overpaid.decision.accepted)
        #expect(overpaid.decision.reason == .belowInitialMargin)
        let shortfall = overpaid.after.initialMargin - overpaid.after.equity
        #expect(abs(overpaid.decision.shortfall - shortfall) <= 1e-9 * shortfall)
    }

    /// Deribit margins each settlement currency apart: the inverse book's BTC pool has room, but selling linear
    /// calls opens a USDC pool with no equity, which the account-wide USD figures (IM covered) would hide.
    @Test func underDeribitEveryChangedPoolMustAcceptTheTrade() throws {
        let inputs = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("inverse-mixed.json"), preset: "deribit")
        let legs = try TradeLeg.load(ExampleFiles.path("trades/sell-calls.json"))
        let check = try WhatIf.evaluate(inputs, legs: legs, tradeLabel: "--trade")
        #expect(check.after.equity >= check.after.initialMargin, "account-wide, in USD, IM is covered")
        #expect(!check.decision.accepted)
        let pool = try #require(check.pools.first { !$0.decision.accepted })
        #expect(pool.currency == "USDC")
        #expect(pool.before == MarginFigures(equity: 0, initialMargin: 0, maintenanceMargin: 0))
        #expect(pool.after.equity < pool.after.initialMargin)
        #expect(check.pools.allSatisfy { $0.before != $0.after }, "unchanged pools are not checked")
        // Under the reference model the same trade is one USD pool: accepted.
        let reference = try WhatIf.evaluate(
            AccountInputs(market: inputs.market, portfolio: inputs.portfolio, preset: VenuePreset(.reference)),
            legs: legs, tradeLabel: "--trade")
        #expect(reference.decision.accepted)
        #expect(reference.pools.map(\.currency) == ["USD"])
    }

    @Test func aTradeThatDoesNotValidateIsNamedUnderItsLabel() throws {
        let market = try Self.market()
        let inputs = AccountInputs(market: market, portfolio: try Self.restricted(market), preset: VenuePreset(.reference))
        let doge = Instrument(underlying: "DOGE", kind: .perpetual, settlement: .linear)
        #expect(throws: InputError.self) {
            _ = try WhatIf.evaluate(inputs, legs: [TradeLeg(position: Position(instrument: doge, size: 1))],
                                    tradeLabel: "--trade t.json")
        }
        do {
            _ = try WhatIf.evaluate(inputs, legs: [TradeLeg(position: Position(instrument: doge, size: 1))],
                                    tradeLabel: "--trade t.json")
        } catch {
            #expect(error.description.hasPrefix("--trade t.json: "))
            #expect(error.description.contains("DOGE"))
        }
    }

    @Test func aPremiumOnAFutureLegIsRejectedNamingTheField() throws {
        let text = #"[{"kind": "perpetual", "underlying": "BTC", "quantity": 1, "settlement": "linear", "price": 5}]"#
        #expect(throws: InputError.invalid(path: "$[0].price", reason: "only option legs take a premium price")) {
            _ = try TradeLeg.legs(json: JSONNode.parse(text))
        }
    }
}
