import Foundation
import MarginCore
import MarginEngine
import MarginSimulation

/// The simulated market and population of `margin serve --demo` (the pieces `margin engine run` uses): a seeded
/// genesis, the correlation table a new journal starts with, index ticks offered to the engine's conflated feed,
/// and simulated deposits and two-sided trades.
public struct DemoWorkload: Sendable {
    public var accounts = 2_000
    public var positions = 10
    public var options = 200
    /// Index ticks offered per second (all underlyings) and simulated deposits and fills per second.
    public var rate = 20.0
    public var trades = 5.0
    public var seed: UInt64 = 1
    public var rho = 0.8

    public init() {}

    /// The genesis of a new journal: the simulated market, its listings and the generated accounts.
    public func genesis() -> EngineState {
        Population.genesis(market: SimulatedMarket(seed: seed), optionsPerUnderlying: options, accounts: accounts,
                           positionsPerAccount: positions, seed: seed &+ 1, margins: { $0.accountRequirements() })
    }

    /// On a new journal, journals ρ between the first two underlyings (as `margin engine run` does).
    public func start(_ engine: RiskEngine, newJournal: Bool) async throws(EngineError) {
        guard newJournal else { return }
        let market = SimulatedMarket(seed: seed)
        var table = CorrelationTable()
        table.set(market.underlyings[0].name, market.underlyings[1].name, rho: rho)
        try await engine.submit(.correlations(table))
    }

    /// Offers ticks at ``rate`` per second, continuing the walk from the engine's market, until cancelled.
    public func runMarket(_ engine: RiskEngine) async {
        var market = SimulatedMarket(seed: seed &+ UInt64(Date().timeIntervalSince1970))
        let markets = await engine.state.markets
        for i in market.underlyings.indices {
            if let m = markets[market.underlyings[i].name] {
                market.underlyings[i].index = m.index
                market.time = max(market.time, m.time)
            }
        }
        let interval = 1 / max(rate, 0.1)
        var k = 0
        while !Task.isCancelled {
            let i = k % market.underlyings.count
            engine.offer(market.step(i, seconds: interval, withSurface: k % 10 == 0))
            k += 1
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// Submits simulated deposits and two-sided trades (``TradeFlow``: a generated account against a liquidity
    /// provider, at the engine's current marks) at ``trades`` per second until cancelled (rejections are expected:
    /// some accounts cannot afford their trade).
    public func runTrades(_ engine: RiskEngine) async {
        let flow = TradeFlow(state: await engine.state)
        guard trades > 0, !flow.traders.isEmpty else { return }
        var rng = SplitMix64(seed: seed &+ 99 &+ UInt64(Date().timeIntervalSince1970))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1 / trades))
            let event: EngineEvent
            if rng.unit() < 0.3 {
                let account = flow.traders[Int(rng.next() % UInt64(flow.traders.count))]
                event = .deposit(Transfer(account: account, currency: "USD", amount: Decimal(Int(rng.next() % 10_000) + 1)))
            } else {
                guard let trade = flow.trade(markets: await engine.markets, rng: &rng) else { continue }
                event = trade
            }
            do { try await engine.submit(event) } catch {
                if error.isStorageFault { try? await Task.sleep(for: .milliseconds(200)) }
            }
        }
    }
}
