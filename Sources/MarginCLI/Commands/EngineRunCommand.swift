import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger

/// `margin engine run`: the engine on a durable journal with a built-in simulated market and generated accounts
/// (``SimulationRun``). Prints `engine ready: …`, then once a second a status line: market updates applied/s,
/// ticks offered/s, journal records/s, staleness p50/p99/max (tick arrival → every affected account
/// re-margined), p99 latency to the 100 accounts nearest liquidation, accounts by health, business rejections
/// and storage faults (apart), and the engine's status (`ready`, or faulted with the reason). Ends with
/// `stopped at sequence N; margin digest X`; exits 1 when the engine ended on a storage fault, or when the
/// journal is in use by another engine.
struct EngineRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the engine with a simulated market and a generated population; prints a live status line.")

    enum FaultAction: String, ExpressibleByArgument, CaseIterable {
        case retry, stop
    }

    @OptionGroup var store: EngineStoreOptions
    @Option(help: "Generated accounts (on a new journal).") var accounts: Int = 10_000
    @Option(help: "Positions per generated account.") var positions: Int = 10
    @Option(help: "Listed options per underlying.") var options: Int = 1_000
    @Option(help: "Index ticks offered per second (all underlyings).") var rate: Double = 200
    @Option(help: "Simulated trades and deposits per second.") var trades: Double = 20
    @Option(help: "Seconds to run (0 = until interrupted).") var seconds: Double = 10
    @Option(help: "Seed of the simulation.") var seed: UInt64 = 1
    @Option(help: "Correlation of BTC and ETH price moves, journaled at genesis (used in correlated mode).")
    var rho: Double = 0.8
    @Option(help: "Seconds between background snapshots (0 = only when stopping).") var snapshotEvery: Double = 60
    @Option(help: ArgumentHelp(
        "Aggregation across underlyings: sum or correlated (MARGIN_MODEL.md's ellipsoid, ρ ± stress).",
        discussion: "A new journal's genesis parameters take it; on an existing journal a different mode is "
            + "journaled as a parameters event. Absent: the journal's mode (sum on a new one)."))
    var correlation: RiskParameters.CorrelationMode?
    @Option(help: "When the journal cannot append: retry (with backoff) or stop.") var onStorageFault: FaultAction = .retry
    @Option(help: "Retries before stopping on a storage fault (0 = until it clears or the run ends).")
    var faultRetries: Int = 0
    @Option(help: "Longest wait between retries, seconds (from 0.05 s, doubling).") var maxBackoff: Double = 5

    func validate() throws {
        guard (1...2_000_000).contains(accounts) else { throw ValidationError("--accounts must be in 1...2000000") }
        guard (1...100).contains(positions) else { throw ValidationError("--positions must be in 1...100") }
        guard (2...100_000).contains(options) else { throw ValidationError("--options must be in 2...100000") }
        guard rate.isFinite, rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be in (0, 1e6]") }
        guard trades.isFinite, trades >= 0, trades <= 100_000 else { throw ValidationError("--trades must be in [0, 1e5]") }
        guard seconds.isFinite, seconds >= 0 else { throw ValidationError("--seconds must be ≥ 0") }
        guard rho.isFinite, abs(rho) <= 1 else { throw ValidationError("--rho must be in [-1, 1]") }
        guard snapshotEvery.isFinite, snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be ≥ 0") }
        guard faultRetries >= 0 else { throw ValidationError("--fault-retries must be ≥ 0") }
        guard maxBackoff.isFinite, maxBackoff >= 0.05, maxBackoff <= 3_600 else {
            throw ValidationError("--max-backoff must be in [0.05, 3600]")
        }
    }

    func run() async throws {
        var configuration = SimulationRun.Configuration()
        configuration.driver.accounts = accounts
        configuration.driver.positions = positions
        configuration.driver.options = options
        configuration.driver.rate = rate
        configuration.driver.trades = trades
        configuration.driver.seed = seed
        configuration.driver.rho = rho
        configuration.seconds = seconds
        configuration.snapshotEvery = snapshotEvery
        configuration.correlation = correlation
        switch onStorageFault {
        case .stop: configuration.faultPolicy = .stop
        case .retry:
            configuration.faultPolicy = .retry(Backoff(maximum: .milliseconds(Int64(maxBackoff * 1_000)),
                                                       attempts: faultRetries == 0 ? nil : faultRetries))
        }
        signal(SIGINT) { _ in EngineRunCommand.interrupted.set() }
        let tty = isatty(1) != 0
        let outcome: SimulationRun.Outcome
        do {
            let journal = try await store.location.openForWriting()
            outcome = try await SimulationRun.run(configuration, store: journal, interrupted: Self.interrupted) { report in
                switch report {
                case .ready(let line): print(line)
                case .note(let line): print(tty ? "\r\u{1B}[2K" + line : line)
                case .status(let status):
                    print(tty ? "\r\u{1B}[2K" + status.line : status.line, terminator: tty ? "" : "\n")
                }
                fflush(nil)
            }
        } catch {
            throw CommandFailure(message: "engine \(store.optionName) \(store.location): \(error)", exitCode: 1)
        }
        if tty { print("") }
        print(outcome.summary)
        if outcome.endedOnStorageFault {
            throw CommandFailure(message: "engine \(outcome.status)", exitCode: 1)
        }
    }

    static let interrupted = StopFlag()
}
