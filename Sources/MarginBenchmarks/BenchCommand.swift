import ArgumentParser
import Foundation
import MarginApp
import MarginCore

/// `margin-bench`: release-mode benchmarks of the engine's hot paths, one subcommand per area.
///
/// Subcommands live in their own files (`BenchPricingCommand.swift`, …) and share the timing and statistics helpers
/// below. Numbers from a debug build are meaningless: run `swift run -c release margin-bench <area>`.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "margin-bench",
        abstract: "Benchmarks (run a release build: swift run -c release margin-bench …).",
        subcommands: [BenchPricingCommand.self, BenchMarginCommand.self, BenchEngineCommand.self,
                      BenchLiquidationCommand.self, BenchServeCommand.self, BenchBacktestCommand.self,
                      BenchStatementsCommand.self])
}

/// A benchmark that cannot run (bad option, missing peer), with the message to print.
struct BenchFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Files the benchmarks read, found relative to this package (not the working directory).
enum BenchPaths {
    /// The package's root folder (two levels above this source file).
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// `path` under the package root.
    static func inPackage(_ path: String) -> String { packageRoot + "/" + path }
}

/// The clock a benchmark repetition is timed with.
enum BenchClock: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// Elapsed time (`ContinuousClock`): what a caller waits; includes time the thread was preempted.
    case wall
    /// The thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): time on the core only, robust on a busy machine.
    case cpu

    /// Runs `body` and returns its duration in seconds on this clock, and its result.
    func time(_ body: () -> Double) -> (seconds: Double, result: Double) {
        var result = 0.0
        switch self {
        case .wall:
            let elapsed = ContinuousClock().measure { result = body() }
            return (elapsed.secondsValue, result)
        case .cpu:
            var start = timespec()
            var end = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
            result = body()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
            return (Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9, result)
        }
    }
}

/// Repeated timings of one measurement, in seconds per repetition.
struct BenchSamples: Sendable {
    private(set) var seconds: [Double] = []

    init(seconds: [Double] = []) { self.seconds = seconds }

    /// Runs `body` at least `minRepetitions` times and until `minSeconds` of wall time have passed (one warm-up run
    /// first, not recorded), timing each run on `clock`. `body` returns a checksum that is accumulated into
    /// `checksum`, so the work cannot be optimized away.
    static func measure(clock: BenchClock, minRepetitions: Int, minSeconds: Double, checksum: inout Double,
                        _ body: () -> Double) -> BenchSamples {
        checksum += body()
        var samples = BenchSamples()
        let wall = ContinuousClock()
        let start = wall.now
        while samples.seconds.count < minRepetitions || (wall.now - start).secondsValue < minSeconds {
            let run = clock.time(body)
            checksum += run.result
            samples.seconds.append(run.seconds)
        }
        return samples
    }

    /// The `p`-quantile (0…1) of the repetition times, by linear interpolation between order statistics.
    func quantile(_ p: Double) -> Double {
        guard !seconds.isEmpty else { return .nan }
        let sorted = seconds.sorted()
        let position = p * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    var median: Double { quantile(0.5) }
    var count: Int { seconds.count }
}

/// A rate (per second) or a time, summarized by median, p10 and p90 over repetitions.
struct BenchSummary: Sendable {
    var median: Double
    var p10: Double
    var p90: Double

    /// Work per second: `work / time`; the fastest repetitions give p90, the slowest p10.
    static func rate(work: Double, _ samples: BenchSamples) -> BenchSummary {
        BenchSummary(median: work / samples.median, p10: work / samples.quantile(0.9),
                     p90: work / samples.quantile(0.1))
    }

    /// Time per unit of work, in nanoseconds: `time / units`.
    static func nanoseconds(per units: Double, _ samples: BenchSamples) -> BenchSummary {
        BenchSummary(median: samples.median / units * 1e9, p10: samples.quantile(0.1) / units * 1e9,
                     p90: samples.quantile(0.9) / units * 1e9)
    }
}

/// `12.3M`-style rendering of large rates.
func formatRate(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    if value >= 1e9 { return String(format: "%.2fG", value / 1e9) }
    if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
    if value >= 1e3 { return String(format: "%.2fk", value / 1e3) }
    return String(format: "%.2f", value)
}

extension OutputFormat: ExpressibleByArgument {}
