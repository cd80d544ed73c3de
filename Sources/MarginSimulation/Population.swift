import Foundation
import MarginCore
import MarginEngine

/// Generates a population of accounts as a genesis ``EngineState`` (the first snapshot), for the demo, the
/// benchmarks and the tests.
///
/// Every account holds `positionsPerAccount` positions spread over the underlyings (options mostly, some
/// perpetuals and futures, long and short), and a USD balance chosen so that its equity is a random multiple of its
/// maintenance margin: about 90% healthy, 5% restricted, 4% in liquidation, 1% for takeover. The balance is rounded
/// to cents (exact `Decimal`).
public enum Population {
    /// A state with the simulated market's underlyings and listings and `accounts` generated accounts.
    public static func genesis(market: SimulatedMarket, optionsPerUnderlying: Int, accounts: Int,
                               positionsPerAccount: Int, seed: UInt64,
                               parameters: RiskParameters = .reference) -> EngineState {
        var state = EngineState(parameters: parameters)
        for i in market.underlyings.indices {
            if case .market(let m) = market.marketEvent(i) { state.apply(.market(m)) }
        }
        let listings = market.listings(optionsPerUnderlying: optionsPerUnderlying)
        for l in listings { state.apply(.listing(l)) }
        var byUnderlying: [String: [Listing]] = [:]
        for l in listings { byUnderlying[l.instrument.underlying, default: []].append(l) }
        let names = market.underlyings.map(\.name)
        var rng = SplitMix64(seed: seed)
        let width = String(accounts).count
        for n in 0..<accounts {
            var account = AccountState()
            for k in 0..<positionsPerAccount {
                let name = names[k % names.count]
                guard let pool = byUnderlying[name], !pool.isEmpty,
                      let index = market.underlyings.first(where: { $0.name == name })?.index else { continue }
                let l = pool[Int(rng.next() % UInt64(pool.count))]
                let sign: Decimal = rng.unit() < 0.45 ? -1 : 1
                var quantity: Decimal
                var entry: Decimal?
                if l.instrument.option != nil {
                    quantity = sign * Decimal(1 + Int(rng.next() % 20)) / 10
                } else if l.instrument.isSizedByNotional {
                    quantity = sign * Decimal(1_000 * (1 + Int(rng.next() % 50)))
                    entry = Decimal(Int((index * (0.97 + 0.06 * rng.unit())).rounded()))
                } else {
                    quantity = sign * Decimal(1 + Int(rng.next() % 20)) / 10
                    entry = Decimal(Int((index * (0.97 + 0.06 * rng.unit())).rounded()))
                }
                if let old = account.positions[l.id] { quantity += old.quantity }
                account.positions[l.id] = quantity == 0 ? nil : PositionState(quantity: quantity, entryPrice: entry)
            }
            let padded = String(repeating: "0", count: width - String(n).count) + String(n)
            state.accounts["acct-\(padded)"] = account
        }
        // Fund each account to a random multiple of its maintenance margin.
        for (name, m) in state.accountMargins() {
            let x = rng.unit()
            let ratio: Double = x < 0.90 ? 1.35 + 2.5 * rng.unit()
                : x < 0.95 ? 1.02 + 0.26 * rng.unit()
                : x < 0.99 ? 0.55 + 0.43 * rng.unit()
                : 0.1 + 0.35 * rng.unit()
            let target = max(m.maintenanceMargin, 100) * ratio - m.equity
            let cents = Decimal(Int64((target * 100).rounded())) / 100
            state.accounts[name]?.balances["USD"] = cents
            let health = Health(equity: m.equity + Money.double(cents), initialMargin: m.initialMargin,
                                maintenanceMargin: m.maintenanceMargin, takeoverRatio: parameters.takeoverRatio)
            state.accounts[name]?.health = health
        }
        return state
    }
}
