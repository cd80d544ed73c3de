import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

// The tests' populations are funded from the engine's own margins: these overloads supply that margin pass
// (``MarginPass``) to the simulation's generators, which take it as a parameter (the simulation does not depend on
// the risk engine): `EngineState.accountRequirements()`, the engine's pass, as the front ends do.

extension Population {
    /// ``Population/genesis(market:optionsPerUnderlying:accounts:positionsPerAccount:seed:parameters:liquidityProviders:backstops:insuranceFund:books:margins:)``
    /// funded from the engine's margins.
    public static func genesis(market: SimulatedMarket, optionsPerUnderlying: Int, accounts: Int,
                               positionsPerAccount: Int, seed: UInt64, parameters: RiskParameters = .reference,
                               liquidityProviders: Int = 4, backstops: Int = 2, insuranceFund: Decimal = 1_000_000,
                               books: Bool = true) -> EngineState {
        genesis(market: market, optionsPerUnderlying: optionsPerUnderlying, accounts: accounts,
                positionsPerAccount: positionsPerAccount, seed: seed, parameters: parameters,
                liquidityProviders: liquidityProviders, backstops: backstops, insuranceFund: insuranceFund,
                books: books, margins: { $0.accountRequirements() })
    }
}

extension CrashPopulation {
    /// ``CrashPopulation/genesis(market:accounts:optionsPerUnderlying:seed:insuranceFund:liquidityProviders:backstops:largeAccountPositions:parameters:margins:)``
    /// funded from the engine's margins.
    public static func genesis(market: SimulatedMarket, accounts: Int, optionsPerUnderlying: Int = 40, seed: UInt64,
                               insuranceFund: Decimal, liquidityProviders: Int = 4, backstops: Int = 2,
                               largeAccountPositions: Int = 0, parameters: RiskParameters = .reference) -> EngineState {
        genesis(market: market, accounts: accounts, optionsPerUnderlying: optionsPerUnderlying, seed: seed,
                insuranceFund: insuranceFund, liquidityProviders: liquidityProviders, backstops: backstops,
                largeAccountPositions: largeAccountPositions, parameters: parameters, margins: { $0.accountRequirements() })
    }
}

extension CrashWorkload {
    /// ``CrashWorkload/genesis(margins:)`` funded from the engine's margins.
    public static func genesis() -> EngineState { genesis(margins: { $0.accountRequirements() }) }
}
