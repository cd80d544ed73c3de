import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// `margin-bench engine`'s side-by-side case: the same BTC index updates re-margining the same population in `sum`
/// and in `correlated` mode (ρ(BTC, ETH) from the table given), interleaved update by update so that the shared
/// machine's load falls on both alike; on one thread and on two. Also checks the correlated engine: every cached
/// component and curve against the scalar reference, and a sample of accounts against ``MarginCalculator`` bit
/// for bit.
enum CorrelatedModeBenchmark {
    struct Figures {
        var sum: [Double] = []
        var correlated: [Double] = []
    }

    /// Builds two engines on `genesis` (one per mode), runs `repetitions` BTC updates (every 4th with a new
    /// surface) through both, and prints medians, p90 and the ratio.
    static func run(genesis: EngineState, market start: SimulatedMarket, repetitions: Int, rho: Double,
                    sample: Int = 1_000) async throws {
        var correlatedParameters = genesis.parameters
        correlatedParameters.correlationMode = .correlated
        var correlatedGenesis = genesis
        correlatedGenesis.parameters = correlatedParameters
        correlatedGenesis.correlations.set("BTC", "ETH", rho: rho)
        var sumGenesis = genesis
        sumGenesis.parameters.correlationMode = .sum
        let build = ContinuousClock.now
        let sum = try await RiskEngine.open(store: InMemoryJournal(), genesis: sumGenesis, snapshotGenesis: false)
        let correlated = try await RiskEngine.open(store: InMemoryJournal(), genesis: correlatedGenesis,
                                                   snapshotGenesis: false)
        let stress = correlatedParameters.correlationStress
        print("side by side: sum and correlated (ρ(BTC, ETH) = \(rho), stress ±\(stress)) "
              + "engines on the same \(genesis.accounts.count) accounts, built in "
              + String(format: "%.1f s", (ContinuousClock.now - build).secondsValue))
        var market = start
        for threads in [1, 2] {
            await sum.setThreads(threads)
            await correlated.setThreads(threads)
            var figures = Figures()
            var sweeps = Figures()
            for k in 0..<(repetitions + 1) {
                let update = market.step(0, seconds: 0.1, withSurface: k % 4 == 0)
                // Alternate which engine goes first, so neither always runs on a warmer cache.
                // Timed on each engine's thread (``RiskEngine/timedSubmit(_:)``: no thread hop inside).
                let order: [RiskEngine] = k % 2 == 0 ? [sum, correlated] : [correlated, sum]
                var times: [ObjectIdentifier: Double] = [:]
                for engine in order {
                    times[ObjectIdentifier(engine)] = try await engine.timedSubmit(.market(update)).full
                }
                if k == 0 { continue }
                figures.sum.append(times[ObjectIdentifier(sum)] ?? .nan)
                figures.correlated.append(times[ObjectIdentifier(correlated)] ?? .nan)
                sweeps.sum.append(await sum.lastPass.sweep)
                sweeps.correlated.append(await correlated.lastPass.sweep)
            }
            let label = threads == 1 ? "one thread" : "two threads"
            let (s, c) = (median(figures.sum), median(figures.correlated))
            print("BTC update → every affected account re-margined, \(label): sum median \(ms(s)) ms "
                  + "(p90 \(ms(quantile(figures.sum, 0.9)))), correlated median \(ms(c)) ms "
                  + "(p90 \(ms(quantile(figures.correlated, 0.9)))); ratio \(String(format: "%.2f", c / s))× "
                  + "(\(repetitions) updates each, interleaved; sweep medians \(ms(median(sweeps.sum))) / "
                  + "\(ms(median(sweeps.correlated))) ms)")
        }
        let check = await correlated.verifyAggregation()
        print("correlated aggregation check: \(check.accounts) accounts, \(check.mismatches) differing by any bit "
              + "from the scalar reference (components and price-loss curves)")
        let state = await correlated.state
        let margins = await correlated.margins
        let calculator = MarginCalculator(parameters: state.parameters)
        let snapshot = state.marketSnapshot()
        var differing = 0
        var checked = 0
        let names = state.accounts.keys.sorted()
        for name in names.enumerated().filter({ $0.offset % max(1, names.count / sample) == 0 }).map(\.element) {
            guard let portfolio = state.portfolio(of: name), let m = margins[name],
                  let report = try? calculator.margin(of: portfolio, market: snapshot, explain: false) else { continue }
            checked += 1
            if m.maintenanceMargin.bitPattern != report.requirement.maintenanceMargin.bitPattern { differing += 1 }
        }
        print("correlated margins against MarginCalculator: \(checked) accounts sampled, \(differing) with an MM "
              + "differing by any bit")
    }

    private static func median(_ xs: [Double]) -> Double { quantile(xs, 0.5) }

    private static func quantile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))]
    }

    private static func ms(_ s: Double) -> String { String(format: "%.2f", s * 1e3) }
}
