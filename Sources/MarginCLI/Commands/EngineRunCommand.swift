import ArgumentParser
import Foundation
import MarginApp
import Histogram
import MarginCore
import MarginEngine
import MarginSimulation
import Synchronization

/// `margin engine run`: the engine on a durable journal with a built-in simulated market and generated accounts.
///
/// A producer thread offers index ticks (random walk with jumps; the surface moves every 10th tick) at `--rate`
/// per second into the conflator; the engine's writer (this thread) drains it (latest per underlying wins),
/// journals and applies each update and re-margins the exposed accounts nearest liquidation first, and in between
/// journals simulated trades and deposits. Once a second it prints: market updates applied/s, ticks offered/s,
/// events journaled/s, staleness p50/p99/max (tick arrival → every affected account re-margined), p99 latency to
/// the 100 accounts nearest liquidation, and accounts by health. A new journal starts, after the genesis snapshot,
/// with a `correlations` event: ρ(BTC, ETH) = `--rho`, so that the state carries the table `correlated` mode uses.
/// Every `--snapshot-every` seconds a snapshot is written in the background; a last one when it stops.
struct EngineRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the engine with a simulated market and a generated population; prints a live status line.")

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

    /// Journals a `parameters` event with correlation mode `mode` when the engine's parameters have another one.
    static func switchMode(_ engine: EngineCore, to mode: RiskParameters.CorrelationMode?) throws {
        guard let mode, engine.state.parameters.correlationMode != mode else { return }
        var p = engine.state.parameters
        p.correlationMode = mode
        try engine.submit(.parameters(p))
    }

    func validate() throws {
        guard (1...2_000_000).contains(accounts) else { throw ValidationError("--accounts must be in 1...2000000") }
        guard (1...100).contains(positions) else { throw ValidationError("--positions must be in 1...100") }
        guard (2...100_000).contains(options) else { throw ValidationError("--options must be in 2...100000") }
        guard rate.isFinite, rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be in (0, 1e6]") }
        guard trades.isFinite, trades >= 0, trades <= 100_000 else { throw ValidationError("--trades must be in [0, 1e5]") }
        guard seconds.isFinite, seconds >= 0 else { throw ValidationError("--seconds must be ≥ 0") }
        guard rho.isFinite, abs(rho) <= 1 else { throw ValidationError("--rho must be in [-1, 1]") }
        guard snapshotEvery.isFinite, snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be ≥ 0") }
    }

    func run() throws {
        let journal = try store.open()
        let empty = (try? journal.lastSequence()) == 0 && (try? journal.latestSnapshot()) == nil
        var market = SimulatedMarket(seed: seed)
        let setup = ContinuousClock.now
        var parameters = RiskParameters.reference
        parameters.correlationMode = correlation ?? .sum
        let genesis = empty
            ? Population.genesis(market: market, optionsPerUnderlying: options, accounts: accounts,
                                 positionsPerAccount: positions, seed: seed &+ 1, parameters: parameters)
            : EngineState()
        let engine: EngineCore
        do {
            engine = try EngineCore(store: journal, genesis: genesis)
            // A new journal starts with the correlation table (the recovered state already carries it).
            if empty {
                var correlations = CorrelationTable()
                correlations.set(market.underlyings[0].name, market.underlyings[1].name, rho: rho)
                try engine.submit(.correlations(correlations))
            }
            try Self.switchMode(engine, to: correlation)
        } catch {
            throw CommandFailure(message: "engine: \(error)", exitCode: 1)
        }
        // Continue the walk from the recovered market.
        for i in market.underlyings.indices {
            if let m = engine.state.markets[market.underlyings[i].name] {
                market.underlyings[i].index = m.index
                market.time = max(market.time, m.time)
            }
        }
        print("engine ready: \(engine.state.accounts.count) accounts, \(engine.state.instruments.count) instruments, "
              + "sequence \(engine.state.sequence), \(String(format: "%.1f", (ContinuousClock.now - setup).secondsValue)) s, "
              + "RSS \(residentBytes() >> 20) MiB")

        let conflator = MarketConflator()
        let stop = StopFlag()
        let producer = Thread { [market] in
            var market = market
            let interval = 1 / rate
            var next = ContinuousClock.now
            var k = 0
            while !stop.isSet {
                let i = k % market.underlyings.count
                conflator.offer(market.step(i, seconds: interval, withSurface: k % 10 == 0))
                k += 1
                next = next.advanced(by: .seconds(interval))
                let wait = next - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.secondsValue) }
            }
        }
        producer.start()
        signal(SIGINT) { _ in EngineRunCommand.interrupted.set() }

        var rng = SplitMix64(seed: seed &+ 99)
        let names = engine.state.accounts.keys.sorted()
        let ids = engine.state.instruments.keys.sorted()
        var staleness = Histogram<UInt64>(highestTrackableValue: 60_000_000_000)
        var priority = Histogram<UInt64>(highestTrackableValue: 60_000_000_000)
        var applied = 0, journaled = 0, rejected = 0, lastOffered = 0
        var maxStale: UInt64 = 0
        let start = ContinuousClock.now
        var lastReport = start
        var nextTrade = start
        var nextSnapshot = start.advanced(by: .seconds(snapshotEvery))
        let snapshotNotes = Mutex<[String]>([])
        let tty = isatty(1) != 0
        while seconds == 0 || (ContinuousClock.now - start).secondsValue < seconds {
            if EngineRunCommand.interrupted.isSet { break }
            // Every pending underlying in one journal append and one re-margining pass (nearest liquidation first).
            let pending = conflator.drain()
            if !pending.isEmpty {
                var priorityAt: ContinuousClock.Instant?
                let before = engine.state.sequence
                var rejectedNames = Set<String>()
                do {
                    let ack = try engine.submitMarkets(pending.map(\.update), onPriorityDone: { priorityAt = .now })
                    rejectedNames = Set(ack.rejected.map(\.update.underlying))
                } catch {
                    rejectedNames = Set(pending.map(\.update.underlying))
                }
                journaled += Int(engine.state.sequence - before)
                let now = ContinuousClock.now
                for p in pending {
                    if rejectedNames.contains(p.update.underlying) {
                        rejected += 1
                        continue
                    }
                    applied += 1
                    let stale = UInt64((now - p.firstArrival).secondsValue * 1e9)
                    _ = staleness.record(stale)
                    maxStale = max(maxStale, stale)
                    _ = priority.record(UInt64(((priorityAt ?? now) - p.firstArrival).secondsValue * 1e9))
                }
            }
            // Periodic snapshots on a background thread (the writer goes on; recovery replays less journal).
            if snapshotEvery > 0, ContinuousClock.now >= nextSnapshot {
                nextSnapshot = ContinuousClock.now.advanced(by: .seconds(snapshotEvery))
                engine.writeSnapshotInBackground { result in
                    let note: String
                    switch result {
                    case .success(let r):
                        note = String(format: "snapshot at sequence %llu: %.1f MB, encoded %.2f s, stored %.2f s (background)",
                                      r.sequence, Double(r.bytes) / 1e6, r.encodeSeconds, r.saveSeconds)
                    case .failure(let error):
                        note = "snapshot failed: \(error)"
                    }
                    snapshotNotes.withLock { $0.append(note) }
                }
            }
            if trades > 0, ContinuousClock.now >= nextTrade, !names.isEmpty, !ids.isEmpty {
                nextTrade = nextTrade.advanced(by: .seconds(1 / trades))
                let account = names[Int(rng.next() % UInt64(names.count))]
                let event: EngineEvent = rng.unit() < 0.3
                    ? .deposit(Transfer(account: account, currency: "USD", amount: Decimal(Int(rng.next() % 10_000) + 1)))
                    : .fill(Fill(account: account, instrument: ids[Int(rng.next() % UInt64(ids.count))],
                                 quantity: (rng.unit() < 0.5 ? -1 : 1) * Decimal(1 + Int(rng.next() % 5)) / 10,
                                 price: 1, fee: Decimal(string: "0.1") ?? 0))
                let before = engine.state.sequence
                do { try engine.submit(event) } catch { rejected += 1 }
                journaled += Int(engine.state.sequence - before)
            }
            if pending.isEmpty { Thread.sleep(forTimeInterval: 0.0002) }
            let now = ContinuousClock.now
            if (now - lastReport).secondsValue >= 1 {
                let dt = (now - lastReport).secondsValue
                let offered = conflator.counts.offered
                let counts = engine.healthCounts
                let health = Health.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: " ")
                let line = String(format: "updates %.0f/s (offered %.0f/s) | events %.0f/s | staleness p50 %.1f p99 %.1f max %.1f ms | top-100 p99 %.2f ms | %@ | rejected %d",
                                  Double(applied) / dt, Double(offered - lastOffered) / dt, Double(journaled) / dt,
                                  Double(staleness.valueAtPercentile(50)) / 1e6, Double(staleness.valueAtPercentile(99)) / 1e6,
                                  Double(maxStale) / 1e6, Double(priority.valueAtPercentile(99)) / 1e6, health, rejected)
                for note in snapshotNotes.withLock({ notes in defer { notes = [] }; return notes }) {
                    print(tty ? "\r\u{1B}[2K" + note : note)
                }
                print(tty ? "\r\u{1B}[2K" + line : line, terminator: tty ? "" : "\n")
                fflush(nil)
                applied = 0; journaled = 0; lastOffered = offered; maxStale = 0
                staleness.reset(); priority.reset()
                lastReport = now
            }
        }
        stop.set()
        if tty { print("") }
        while engine.isWritingSnapshot { Thread.sleep(forTimeInterval: 0.01) }
        for note in snapshotNotes.withLock({ $0 }) { print(note) }
        do { try engine.writeSnapshot() } catch { printError("snapshot: \(error)") }
        print("stopped at sequence \(engine.state.sequence); margin digest \(engine.marginDigest)")
    }

    static let interrupted = StopFlag()
}

