import ArgumentParser
import Foundation
import MarginApp
import Histogram
import MarginCore
import MarginSimulation
import MarginEngine
import MarginLedger
import MarginStorage

/// `margin-bench engine`: the real-time engine's acceptance benchmarks (release build only).
///
/// 1. Full re-margin: one BTC index update → every exposed account re-margined (journal in memory), median.
/// 2. Priority latency: the same update → the 100 accounts nearest liquidation re-margined, p50/p99.
/// 3. Sustained: a producer thread offers ticks at increasing rates for a few seconds each; the writer drains the
///    conflator; reported: applied updates/s and staleness p50/p99/max (tick arrival → all accounts re-margined).
/// 3b. Mass breach: a BTC tick that pushes ≥ 5% of the accounts below maintenance margin at once, then ticks at
///    1,000/s and 10,000/s: staleness, liquidation actions/s, and the time until each breached account's first order
///    (``MassBreachStage``). Each stage continues the walk from the latest tick offered.
/// 4. Journal appends/s on SQLite with fsync (synchronous=FULL), one event per transaction and 100 per transaction.
/// 5. Memory: resident set size before and after building the population.
///
/// Everything runs through ``RiskEngine`` (the one driver). The single-update figures (1, 2, 1b) are taken on the
/// engine's own thread (``RiskEngine/timedSubmit(_:)``): submit start → the nearest 100 / every account
/// re-margined, the boundaries of the figures before the driver existed; the sustained figures (3) go the whole
/// way: producer thread → conflator → the engine's market loop.
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine benchmarks: full re-margin, top-100 latency, sustained updates, SQLite appends, memory.")

    @Option(help: "Accounts.") var accounts: Int = 100_000
    @Option(help: "Positions per account.") var positions: Int = 10
    @Option(help: "Listed options per underlying.") var options: Int = 1_000
    @Option(help: "Repetitions of the single-update measurements.") var repetitions: Int = 31
    @Option(help: "Seconds per sustained-rate step.") var sustainSeconds: Double = 3
    @Option(help: "Offered tick rates for the sustained test, per second.") var rates: [Double] = [20, 100, 1_000, 10_000]
    @Option(help: "Offered tick rates of the mass-breach stages (each starts with its own breaching tick).")
    var breachRates: [Double] = [1_000, 10_000]
    @Option(help: "Share of the accounts a mass-breach tick must push below maintenance margin at once.")
    var breachFraction: Double = 0.05
    @Option(help: "Seconds a mass-breach stage waits, after its ticks stop, for every breached account's first order.")
    var breachPatience: Double = 30
    @Option(help: "SQLite appends measured.") var appends: Int = 2_000
    @Option(help: "Accounts per underlying ranked and re-margined first.") var priorityCount: Int = 256
    @Option(help: "Directory of the temporary SQLite file (use a real disk to measure fsync).") var tmp: String = "."
    @Option(help: "ρ(BTC, ETH) of the correlated-mode engine in the side-by-side case (nan = skip the case).")
    var correlatedRho: Double = 0.8

    func run() async throws {
        let rss0 = residentBytes()
        let t0 = ContinuousClock.now
        var market = SimulatedMarket(seed: 42)
        let genesis = Population.genesis(market: market, optionsPerUnderlying: options, accounts: accounts,
                                         positionsPerAccount: positions, seed: 43,
                                         margins: { $0.accountRequirements() })
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: genesis, snapshotGenesis: false)
        await engine.setPriorityCount(priorityCount)
        let rss1 = residentBytes()
        let counts = await engine.healthCounts
        print("machine: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date()); kernels: "
              + "pricing \(Black76Grid.instructionSet), aggregation \(await engine.aggregationInstructionSet)")
        print("population: \(accounts) accounts × \(positions) positions, \(await engine.state.instruments.count) instruments "
              + "(\(options) options per underlying), built in \(fmt((ContinuousClock.now - t0).secondsValue)) s")
        print("health: " + Health.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        print("memory: RSS \(rss1 >> 20) MiB after build (\(rss0 >> 20) MiB before; includes the genesis EngineState "
              + "with Decimal ledgers and the RiskBook)")

        // 1c: the same BTC updates in sum and correlated mode side by side (two more engines, dropped after).
        if !correlatedRho.isNaN {
            try await CorrelatedModeBenchmark.run(genesis: genesis, market: market, repetitions: repetitions,
                                            rho: correlatedRho)
        }

        // 1 + 2: single BTC updates, on one thread and on two.
        for threads in [1, 2] {
            await engine.setThreads(threads)
            var full: [Double] = []
            var top: [Double] = []
            var topIndex: [Double] = []
            var topSurface: [Double] = []
            var profiles: [PassProfile] = []
            for k in 0..<(repetitions + 1) {
                let update = market.step(0, seconds: 0.1, withSurface: k % 4 == 0)
                let timing = try await engine.timedSubmit(.market(update))
                if k == 0 { continue }
                full.append(timing.full)
                top.append(timing.top)
                if k % 4 == 0 { topSurface.append(top[top.count - 1]) } else { topIndex.append(top[top.count - 1]) }
                profiles.append(await engine.lastPass)
            }
            let label = threads == 1 ? "one thread" : "two threads"
            print("BTC update → every affected account re-margined (\(label)): median \(ms(median(full))) ms, "
                  + "p90 \(ms(quantile(full, 0.9))) ms (\(repetitions) updates, every 4th with a new surface)")
            print("BTC update → 100 accounts nearest liquidation re-margined (\(label)): median \(ms(median(top))) ms, "
                  + "p99 \(ms(quantile(top, 0.99))) ms, max \(ms(top.max() ?? .nan)) ms (index only: median "
                  + "\(ms(median(topIndex))), p99 \(ms(quantile(topIndex, 0.99))) ms; with a new surface: median "
                  + "\(ms(median(topSurface))), p99 \(ms(quantile(topSurface, 0.99))) ms)")
            func at(_ key: (PassProfile) -> Double) -> String { ms(median(profiles.map(key))) }
            func count(_ key: (PassProfile) -> Int) -> Int { Int(median(profiles.map { Double(key($0)) })) }
            print("  where the time went (medians): prologue (validate, journal, apply) \(at(\.prologue)) ms; "
                  + "selecting the nearest \(at(\.prioritySelection)) ms; \(count(\.priorityArrays)) arrays priced "
                  + "for them in \(at(\.priorityPricing)) ms (\(count(\.priorityArraysByHelper)) by the helper); nearest 100 done \(at(\.priorityLatency)) ms into the "
                  + "pass; all \(count(\.arrays)) arrays priced in \(at(\.pricing)) ms; sweep of "
                  + "\(count(\.accounts)) accounts \(at(\.sweep)) ms; pass \(at(\.total)) ms")
        }

        // 1b: BTC and ETH pending together → one pass.
        var both: [Double] = []
        for _ in 0..<max(1, repetitions / 3) {
            let updates = [market.step(0, seconds: 0.1, withSurface: false), market.step(1, seconds: 0, withSurface: false)]
            both.append(try await engine.timedMarkets(updates))
        }
        print("BTC + ETH updates pending together → one pass re-margining every account: median \(ms(median(both))) ms, "
              + "p90 \(ms(quantile(both, 0.9))) ms (\(both.count) passes)")

        // 3: sustained, through the engine's market loop.
        let marketLoop = Task { await engine.runMarketLoop() }
        for rate in rates {
            let r = await sustained(engine: engine, market: &market, rate: rate)
            print(String(format: "sustained: offered %.0f ticks/s → applied %.0f updates/s, %d rejected, staleness p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                         rate, r.applied, r.rejected, r.p50 * 1e3, r.p99 * 1e3, r.max * 1e3))
            print("  " + r.profile.summary)
        }

        // 3b: mass breach, through the same loop, while ticks keep coming.
        for rate in breachRates {
            let shock = MassBreachStage.probe(state: await engine.state, fraction: breachFraction)
            let r = await MassBreachStage.run(engine: engine, market: &market, shock: shock, rate: rate,
                                              seconds: sustainSeconds, patience: breachPatience)
            let stale = r.staleness
            print(String(format: "mass breach: BTC %+.0f%% breached %d accounts (%.1f%%; probed in %.1f s), offered %.0f ticks/s → "
                         + "applied %.1f updates/s over %.1f s, %d rejected, staleness p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                         + "%d liquidation actions in %.1f s (%.0f/s); first order of the breached: p50 %.0f ms, p99 %.0f ms, "
                         + "max %.0f ms, %d without an order after %.0f s",
                         shock.move * 100, shock.breached.count, 100 * Double(shock.breached.count) / Double(accounts),
                         shock.probeSeconds, rate, r.applied, r.window, r.rejected, quantile(stale, 0.5) * 1e3,
                         quantile(stale, 0.99) * 1e3, (stale.max() ?? .nan) * 1e3, r.actions, r.actionSeconds,
                         Double(r.actions) / max(r.actionSeconds, 1e-9), quantile(r.firstOrder, 0.5) * 1e3,
                         quantile(r.firstOrder, 0.99) * 1e3, (r.firstOrder.max() ?? .nan) * 1e3, r.withoutOrder,
                         sustainSeconds + breachPatience))
            print("  " + r.profile.summary)
        }

        await engine.shutdown()
        await marketLoop.value
        let check = await engine.verifyAggregation()
        print("aggregation check: \(check.accounts) accounts, \(check.mismatches) differing by any bit from the scalar reference")

        // 4: SQLite appends.
        let path = URL(fileURLWithPath: tmp).appendingPathComponent("bench-\(UUID().uuidString).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let sqlite = try SQLiteJournalStore(path: path)
        // (Appends awaited one after the other, as the engine makes them.)
        let payload = EngineEvent.trade(Trade(buyer: "acct-000001", seller: "lp-0", instrument: "BTC-PERP", quantity: 1,
                                              price: Decimal(string: "100000.5") ?? 1, buyerFee: 1)).payload
        var seq: UInt64 = 0
        let single = await ContinuousClock().measure {
            for _ in 0..<appends {
                seq += 1
                try? await sqlite.append([JournalRecord(sequence: seq, payload: payload)])
            }
        }
        let batches = max(1, appends / 100)
        let batched = await ContinuousClock().measure {
            for _ in 0..<batches {
                let records = (1...100).map { JournalRecord(sequence: seq + UInt64($0), payload: payload) }
                seq += 100
                try? await sqlite.append(records)
            }
        }
        await sqlite.close()
        print(String(format: "SQLite journal (WAL, synchronous=FULL, %@): %.0f appends/s one per transaction, %.0f events/s in batches of 100",
                     tmp, Double(appends) / single.secondsValue, Double(batches * 100) / batched.secondsValue))

        // 5: snapshot and recovery of the whole population on SQLite; appends while a background snapshot runs.
        let snapPath = URL(fileURLWithPath: tmp).appendingPathComponent("bench-\(UUID().uuidString).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: snapPath + s) } }
        let snapStore = try SQLiteJournalStore(path: snapPath)
        let snapshotEngine = try await RiskEngine.open(store: snapStore, genesis: await engine.state,
                                                       snapshotGenesis: false)
        let report = try await snapshotEngine.writeSnapshot()
        let liveDigest = await engine.digest
        // Recovery from the same file, read-only (the snapshot engine holds the writer lock).
        let recoveryStart = ContinuousClock.now
        let recovered = try await RiskEngine.open(store: try SQLiteJournalStore(path: snapPath, mode: .readOnly),
                                                  faultPolicy: .stop)
        let recovery = ContinuousClock.now - recoveryStart
        let recoveredDigest = await recovered.digest
        await recovered.close()
        print(String(format: "snapshot of %d accounts: %.1f MB canonical JSON, encoded in %.2f s, stored (fsync) in %.2f s; "
                     + "recovery from it (decode, rebuild, price every array, margin every account) %.2f s; digest %@",
                     accounts, Double(report.bytes) / 1e6, report.encodeSeconds, report.saveSeconds,
                     recovery.secondsValue, recoveredDigest == liveDigest ? "equal to the live engine's" : "DIFFERENT"))
        // The writer keeps journaling while a snapshot is written in the background.
        let done = StopFlag()
        let background = await snapshotEngine.writeSnapshotInBackground { _ in done.set() }
        var latencies: [Double] = []
        var next = try await snapStore.lastSequence()
        let backgroundStart = ContinuousClock.now
        while background && !done.isSet {
            next += 1
            let t = ContinuousClock.now
            try await snapStore.append([JournalRecord(sequence: next, payload: payload)])
            latencies.append((ContinuousClock.now - t).secondsValue)
        }
        print(String(format: "while a background snapshot was written (%.2f s): %d journal appends (fsync each), "
                     + "latency p50 %.3f ms, p99 %.3f ms, max %.1f ms",
                     (ContinuousClock.now - backgroundStart).secondsValue, latencies.count,
                     quantile(latencies, 0.5) * 1e3, quantile(latencies, 0.99) * 1e3, (latencies.max() ?? .nan) * 1e3))
        print("memory: RSS \(residentBytes() >> 20) MiB at end")
        await snapshotEngine.close()
    }

    private func sustained(engine: RiskEngine, market: inout SimulatedMarket, rate: Double) async
        -> (applied: Double, rejected: Int, p50: Double, p99: Double, max: Double, profile: FollowUpProfile)
    {
        _ = await engine.takeStats()
        let producer = TickProducer.run(engine: engine, market: market, rate: rate)
        try? await Task.sleep(for: .seconds(sustainSeconds))
        // The next stage continues from the latest tick offered (not from the last one applied).
        market = producer.stop()
        try? await Task.sleep(for: .milliseconds(100))
        let stats = await engine.takeStats()
        let stale = stats.staleness.map(\.secondsValue)
        return (Double(stats.updates) / sustainSeconds, stats.rejected, quantile(stale, 0.5), quantile(stale, 0.99),
                stale.max() ?? .nan, stats.followUps)
    }

    private func median(_ xs: [Double]) -> Double { quantile(xs, 0.5) }

    private func quantile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))]
    }

    private func ms(_ s: Double) -> String { String(format: "%.2f", s * 1e3) }
    private func fmt(_ s: Double) -> String { String(format: "%.1f", s) }

    private func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        }
        return "unknown CPU"
    }
}

extension RiskEngine {
    /// Submits `event` and times it on the engine's thread (no thread hop inside the measurement): seconds from
    /// the submit to every affected account re-margined (`full`) and to the 100 nearest liquidation (`top`).
    func timedSubmit(_ event: EngineEvent) async throws(EngineError) -> (full: Double, top: Double) {
        let stamp = BenchStamp()
        let start = ContinuousClock.now
        try await submit(event, reportAfter: 100, onPriorityDone: { stamp.mark() })
        let end = ContinuousClock.now
        return ((end - start).secondsValue, ((stamp.instant ?? end) - start).secondsValue)
    }

    /// Submits a batch of market updates (one pass), timed on the engine's thread, seconds.
    func timedMarkets(_ updates: [MarketUpdate]) async throws(EngineError) -> Double {
        let start = ContinuousClock.now
        try await submitMarkets(updates, reportAfter: 100, onPriorityDone: nil)
        return (ContinuousClock.now - start).secondsValue
    }
}

/// When the pass reached the nearest 100 (written and read on the engine's thread).
private final class BenchStamp: @unchecked Sendable {
    private(set) var instant: ContinuousClock.Instant?
    func mark() { instant = .now }
}
