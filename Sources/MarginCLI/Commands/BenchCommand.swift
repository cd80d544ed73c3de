import ArgumentParser
import Foundation

/// `margin bench`: release-mode benchmarks of the engine's hot paths, one subcommand per area.
///
/// Subcommands live in their own files (`BenchPricingCommand.swift`, …) and share the timing and statistics helpers
/// below. Numbers from a debug build are meaningless: run `swift run -c release margin bench <area>`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run a release build: swift run -c release margin bench …).",
        subcommands: [BenchPricingCommand.self, BenchMarginCommand.self, BenchEngineCommand.self])
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
            return (elapsed.seconds, result)
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

    /// Runs `body` at least `minRepetitions` times and until `minSeconds` of wall time have passed (one warm-up run
    /// first, not recorded), timing each run on `clock`. `body` returns a checksum that is accumulated into
    /// `checksum`, so the work cannot be optimized away.
    static func measure(clock: BenchClock, minRepetitions: Int, minSeconds: Double, checksum: inout Double,
                        _ body: () -> Double) -> BenchSamples {
        checksum += body()
        var samples = BenchSamples()
        let wall = ContinuousClock()
        let start = wall.now
        while samples.seconds.count < minRepetitions || (wall.now - start).seconds < minSeconds {
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

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
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
