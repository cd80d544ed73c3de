import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// `margin-bench liquidation`'s per-action cost: a crash population of `traders` (with its liquidity providers,
/// backstops and fund) after a fall of every underlying, liquidated on the engine's core alone (no journal), in
/// slices of one action: each slice timed from the planner's call to the commit of its last event (planning,
/// validation and commit included; no I/O). The slice holding a `liquidation` step times a partial step; the one
/// holding a `takeover` (with its deleverage fills) times a takeover.
struct LiquidationActionCost {
    var steps = BenchSamples()
    var takeovers = BenchSamples()
    var slices = 0

    /// Liquidates the population until nothing is due or `maxSlices` slices.
    static func measure(traders: Int, fall: Double = 0.12, maxSlices: Int = 3_000) throws -> LiquidationActionCost {
        var state = CrashPopulation.genesis(market: SimulatedMarket(seed: 7), accounts: traders,
                                            optionsPerUnderlying: 40, seed: 8, insuranceFund: 1_000_000,
                                            margins: { $0.accountRequirements() })
        for (u, m) in state.markets.sorted(by: { $0.key < $1.key }) {
            state.apply(.market(MarketUpdate(underlying: u, time: state.time.adding(seconds: 1),
                                             index: m.index * (1 - fall))))
        }
        let core = EngineCore(state: state)
        var out = LiquidationActionCost()
        var steps: [Double] = []
        var takeovers: [Double] = []
        let clock = ContinuousClock()
        while out.slices < maxSlices {
            let start = clock.now
            guard let list = core.nextFollowUps(sliceLimit: 1) else { break }
            for event in list.events { core.commit(try core.prepare(event)) }
            core.adoptFollowUps(list)
            let seconds = (clock.now - start).secondsValue
            out.slices += 1
            if list.events.contains(where: { if case .takeover = $0 { true } else { false } }) {
                takeovers.append(seconds)
            } else if list.events.contains(where: { if case .liquidation = $0 { true } else { false } }) {
                steps.append(seconds)
            }
        }
        out.steps = BenchSamples(seconds: steps)
        out.takeovers = BenchSamples(seconds: takeovers)
        return out
    }
}
