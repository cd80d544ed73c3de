import Foundation
import MarginCore
import MarginLedger

/// The crash test's workload: a small genesis population and a deterministic stream of mixed events (market
/// moves, deposits, withdrawals, trades against the liquidity providers, snapshots), continued from whatever
/// sequence the journal recovered to.
public enum CrashWorkload {
    /// The genesis state: 20 accounts × 4 positions on the simulated BTC/ETH market with 20 options each, funded
    /// from `margins` (the engine's margin pass).
    public static func genesis(margins: MarginPass) -> EngineState {
        Population.genesis(market: SimulatedMarket(seed: 3), optionsPerUnderlying: 20, accounts: 20,
                           positionsPerAccount: 4, seed: 5, margins: margins)
    }

    /// What to do next.
    public enum Step: Sendable {
        case event(EngineEvent)
        case snapshot
    }

    /// The next step for an engine at `state` (deterministic in `seed` and `state.sequence`).
    public static func next(state: EngineState, seed: UInt64) -> Step {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ state.sequence)
        let accounts = state.accounts.keys.filter { !state.liquidation.isSystemAccount($0) }.sorted()
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
            return TradeFlow.trade(in: state, rng: &rng).map(Step.event) ?? .snapshot
        }
        return .snapshot
    }
}
