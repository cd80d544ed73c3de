import ArgumentParser
import Foundation
import MarginApp
import MarginCore

/// `margin-bench backtest`: the backtest loop on a 10-year daily history (a seeded geometric Brownian motion, 3,681
/// dates: 3,650 observations) of a book template, by default the 60-option market maker of `examples/backtest/`;
/// reports days × books per second per model set. The issue's target: the 60-option book over 10 years in ≤ 2 s.
struct BenchBacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest loop: a 10-year daily history of a 60-option book, days × books per second.")

    @Option(help: "Book template.") var book: String = BenchPaths.inPackage("examples/backtest/market-maker.json")
    @Option(help: "Observations (days).") var days: Int = 3_650
    @Option(help: "Comma-separated models.") var models: String = "portfolio,fixedPercentage,standardCross"
    @Option(help: "Minimum repetitions.") var repetitions: Int = 3

    func run() throws {
        guard days >= 1, repetitions >= 1 else { throw BenchFailure(message: "--days and --repetitions must be ≥ 1") }
        let template = try InputFile.decode(book, option: "--book") { (n) throws(InputError) in try BookTemplate(json: n) }
        let history = try Self.history(days: days + RiskMetricsVolatility.warmUpReturns + 1)
        let inputs = BacktestInputs(history: history, template: template, presets: try PresetSelection.allPresets(
            params: nil, correlation: nil))
        let backtest = try MarginBacktest(inputs: inputs, models: try BacktestModels.names(models))
        var checksum = 0.0
        let samples = BenchSamples.measure(clock: .wall, minRepetitions: repetitions, minSeconds: 0,
                                           checksum: &checksum) {
            (try? backtest.run())?.models.reduce(0.0) { $0 + $1.statistics.meanMargin } ?? .nan
        }
        let seconds = samples.median
        let observations = backtest.backtest.observations.count
        print("backtest: \(observations) days × 1 book (\(template.legs.count) legs), models \(models)")
        let tenYears = seconds * 3_650 / Double(observations)
        print(String(format: "  median %.3f s per run: %.0f days × books/s; 10 years (3,650 days) ≈ %.3f s, target ≤ 2 s: %@",
                     seconds, Double(observations) / seconds, tenYears, tenYears <= 2 ? "met" : "missed"))
        if !checksum.isFinite { throw BenchFailure(message: "the backtest failed") }
    }

    /// A daily GBM from 10,000 USD at 60% vol, seeded (an LCG and Box–Muller): the same history every run.
    static func history(days: Int) throws(InputError) -> PriceHistory {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
        }
        let sigma = 0.60 / (365.0).squareRoot()
        var closes = [10_000.0]
        for _ in 1..<days {
            let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            closes.append(closes[closes.count - 1] * exp(sigma * z - sigma * sigma / 2))
        }
        let start = Instant(iso8601: "2012-01-01")!
        let dates = closes.indices.map { start.adding(seconds: Int64($0) * 86_400) }
        return try PriceHistory(names: ["BTC"], dates: dates, closes: [closes])
    }
}
