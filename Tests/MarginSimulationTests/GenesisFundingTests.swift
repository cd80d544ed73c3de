import Foundation
import MarginCore

import MarginLedger
import MarginSimulation
import Testing

/// The populations are funded from the margin pass their caller hands in (``MarginPass``: the engine's model in the
/// front ends), by one rule (``GenesisFunding``); here a fixed pass stands in for the model, so the rule is checked
/// without the risk engine.
@Suite struct GenesisFundingTests {
    /// Every account the state holds: equity 0, IM 1,000 USD, MM 800 USD, in liquidation.
    static func fixedPass(calls: inout Int, state: EngineState) -> [(account: String, requirement: AccountRequirement)] {
        calls += 1
        return state.accounts.keys.sorted().map {
            ($0, AccountRequirement(equity: 0, initialMargin: 1_000, maintenanceMargin: 800, health: .liquidation))
        }
    }

    /// `Population`: one pass; a generated account's health is its own after the top-up (90% are funded to at least
    /// 1.35 × MM > IM here), not the pass's; the backstops get the 1,000,000 USD floor (2% of 200 × 800 USD is
    /// less); the same seed gives the same state.
    @Test func populationIsFundedOnceFromThePassItIsHanded() {
        var calls = 0
        func population() -> EngineState {
            Population.genesis(market: SimulatedMarket(seed: 3), optionsPerUnderlying: 10, accounts: 200,
                               positionsPerAccount: 3, seed: 5) { Self.fixedPass(calls: &calls, state: $0) }
        }
        let genesis = population()
        #expect(calls == 1)
        let generated = genesis.accounts.filter { $0.key.hasPrefix("acct-") }
        #expect(generated.count == 200)
        #expect(generated.values.filter { $0.health == .healthy }.count >= 160)
        for name in ["backstop-0", "backstop-1"] {
            #expect(genesis.accounts[name]?.balances["USD"] == 1_000_000)
        }
        #expect(population() == genesis)
    }

    /// `CrashPopulation`: a second pass once every account is funded sets every account's health (the pass's,
    /// here), and the empty insurance fund holds nothing.
    @Test func crashPopulationTakesHealthFromAPassAfterFunding() {
        var calls = 0
        let genesis = CrashPopulation.genesis(market: SimulatedMarket(seed: 1), accounts: 30, optionsPerUnderlying: 10,
                                              seed: 2, insuranceFund: 0) { Self.fixedPass(calls: &calls, state: $0) }
        #expect(calls == 2)
        #expect(genesis.accounts.values.allSatisfy { $0.health == .liquidation })
        #expect(genesis.accounts[genesis.liquidation.insuranceFund]?.balances.isEmpty == true)
    }
}
