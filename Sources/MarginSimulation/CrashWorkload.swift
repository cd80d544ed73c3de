import Foundation
import MarginCore
import MarginEngine

/// The crash test's workload: a small genesis population and a deterministic stream of mixed events (market
/// moves, deposits, withdrawals, fills, snapshots), continued from whatever sequence the journal recovered to.
public enum CrashWorkload {
    /// The genesis state: 20 accounts × 4 positions on the simulated BTC/ETH market with 20 options each.
    public static func genesis() -> EngineState {
        Population.genesis(market: SimulatedMarket(seed: 3), optionsPerUnderlying: 20, accounts: 20,
                           positionsPerAccount: 4, seed: 5)
    }

    /// What to do next.
    public enum Step: Sendable {
        case event(EngineEvent)
        case snapshot
    }

    /// The next step for an engine at `state` (deterministic in `seed` and `state.sequence`).
    public static func next(state: EngineState, seed: UInt64) -> Step {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ state.sequence)
        let accounts = state.accounts.keys.sorted()
        let account = accounts.isEmpty ? "acct-00" : accounts[Int(rng.next() % UInt64(accounts.count))]
        let x = rng.unit()
        if x < 0.40 {
            let name = rng.unit() < 0.6 ? "BTC" : "ETH"
            guard let m = state.markets[name] else { return .snapshot }
            let index = (m.index * (1 + 0.01 * rng.gaussian()) * 100).rounded() / 100
            return .event(.market(MarketUpdate(underlying: name, time: m.time.adding(seconds: 1), index: index)))
        } else if x < 0.60 {
            let cents = Decimal(Int(rng.next() % 1_000_000)) / 100
            return .event(.deposit(Transfer(account: account, currency: "USD", amount: cents + 1)))
        } else if x < 0.75 {
            let cents = Decimal(Int(rng.next() % 5_000_000)) / 100
            return .event(.withdrawal(Transfer(account: account, currency: "USD", amount: cents + 1)))
        } else if x < 0.95 {
            let ids = state.instruments.keys.sorted()
            guard !ids.isEmpty, let instrument = state.instruments[ids[Int(rng.next() % UInt64(ids.count))]] else {
                return .snapshot
            }
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            let sign: Decimal = rng.unit() < 0.5 ? -1 : 1
            let index = state.markets[instrument.underlying]?.index ?? 1
            let quantity: Decimal
            let price: Decimal
            if state.instruments[id]?.isSizedByNotional == true {
                quantity = sign * Decimal(100 * (1 + Int(rng.next() % 20)))
                price = Decimal(Int(index.rounded()))
            } else if state.instruments[id]?.option != nil {
                quantity = sign * Decimal(1 + Int(rng.next() % 5)) / 10
                price = state.instruments[id]?.settlement == .inverse ? Decimal(string: "0.01") ?? 1 : Decimal(500)
            } else {
                quantity = sign * Decimal(1 + Int(rng.next() % 5)) / 100
                price = Decimal(Int(index.rounded()))
            }
            return .event(.fill(Fill(account: account, instrument: id, quantity: quantity, price: price,
                                     fee: Decimal(string: "0.25") ?? 0)))
        }
        return .snapshot
    }
}
