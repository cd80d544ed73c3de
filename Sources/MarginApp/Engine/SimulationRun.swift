import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import Synchronization

/// `margin engine run`: the engine (``RiskEngine``) on a durable journal with a simulated market and generated
/// accounts, for a number of seconds or until interrupted.
///
/// The ``SimulationDriver`` (`driver`: the generated population on a new journal, the ticks, the trades) offers
/// index ticks from a producer thread (random walk with jumps; the surface moves every 10th tick) at `rate` per
/// second into the engine's conflator; the engine's market loop drains it (latest per underlying wins), journals
/// and applies each batch and re-margins the exposed accounts nearest liquidation first, then journals the
/// liquidation actions the batch made due (the driver's follow-ups: margin calls, steps against the synthetic books,
/// takeovers, deleveraging); a second task submits simulated two-sided trades against the liquidity providers
/// (``TradeFlow``) and deposits at `trades` per second. Once a second it reports a ``SimulationStatus`` (with the
/// liquidation actions journaled and the accounts being liquidated); the outcome counts the actions by kind. A new
/// journal starts, after the genesis snapshot, with a `correlations` event: ρ(BTC, ETH) = `rho`, so that the
/// state carries the table `correlated` mode uses. Every `snapshotEvery` seconds a snapshot is written in the
/// background; a last one when it stops (if the engine is ready).
///
/// A storage fault (full disk, lost connection) is not a rejection: the status shows the engine faulted with the
/// reason, the storage faults are counted apart, and per ``Configuration/faultPolicy`` the engine retries or
/// stops; the run ends early when the engine stopped, and ``Outcome/endedOnStorageFault`` tells the front end to
/// exit non-zero.
public enum SimulationRun {
    public struct Configuration: Sendable {
        /// The population (on a new journal), the ticks, the trades and the seed.
        public var driver = SimulationDriver()
        /// Seconds to run (0 = until interrupted).
        public var seconds = 10.0
        /// The aggregation mode: a new journal's genesis parameters take it; on an existing journal a different
        /// mode is journaled as a `parameters` event; `nil` keeps the journal's (sum on a new one).
        public var correlation: RiskParameters.CorrelationMode?
        /// Seconds between background snapshots (0 = only when stopping).
        public var snapshotEvery = 60.0
        /// What the engine does when the journal cannot append.
        public var faultPolicy = StorageFaultPolicy.retry()

        public init() {}
    }

    /// What the run reports while it runs.
    public enum Report: Sendable {
        /// The engine is open: `engine ready: N accounts, …`.
        case ready(String)
        /// The status of the last second.
        case status(SimulationStatus)
        /// A background snapshot finished (or failed).
        case note(String)
    }

    /// How the run ended.
    public struct Outcome: Sendable {
        public var sequence: UInt64
        public var marginDigest: String
        /// The engine's status when the run ended (before it was closed).
        public var status: EngineStatus
        public var counters: EngineCounters
        /// The liquidation actions journaled during the run (``LiquidationNotice/kind``: `marginCall`,
        /// `liquidation`, …), by kind.
        public var liquidationActions: [String: Int] = [:]
        /// The ledger's audit when the run ended: violations found, the halt, the accounts still being liquidated.
        public var ledger = LedgerStatus()
        /// Whether the engine ended faulted or stopped on a storage fault (a front end exits non-zero).
        public var endedOnStorageFault: Bool { status.fault != nil }
        /// `stopped at sequence N; margin digest X`, then the liquidation line: `liquidation actions: marginCall 12,
        /// liquidation 30, liquidationEnd 8, takeover 4 (deleverage 0, alert 0); 2 accounts still in liquidation;
        /// ledger clean`.
        public var summary: String {
            let kinds = ["marginCall", "liquidation", "liquidationEnd", "takeover", "deleverage", "alert"]
            let actions = kinds.map { "\($0) \(liquidationActions[$0] ?? 0)" }.joined(separator: ", ")
            let audit = ledger.halt.map { "liquidation halted: \($0)" }
                ?? (ledger.violations.isEmpty ? "ledger clean" : "ledger violations: \(ledger.violations.count)")
            return "stopped at sequence \(sequence); margin digest \(marginDigest)\n"
                + "liquidation actions: \(actions); \(ledger.liquidating) accounts still in liquidation; \(audit)"
        }
    }

    /// Runs the simulation on `store` (which the engine then owns and closes).
    ///
    /// - Parameter interrupted: set (from a signal handler) to stop early.
    /// - Throws: ``EngineError`` when the engine cannot open (e.g. ``EngineError/journalInUse(_:)``).
    public static func run(_ configuration: Configuration, store: any JournalStore, interrupted: StopFlag,
                           report: @escaping @Sendable (Report) -> Void) async throws(EngineError) -> Outcome {
        let c = configuration
        let journaled = try await store.lastSequence()
        let snapshot = try await store.latestSnapshot()
        let empty = journaled == 0 && snapshot == nil
        let setup = ContinuousClock.now
        var parameters = RiskParameters.reference
        parameters.correlationMode = c.correlation ?? .sum
        let genesis = empty ? c.driver.genesis(parameters: parameters) : EngineState()
        let engine = try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: c.faultPolicy)
        // Subscribed before anything is journaled: the run's outcome counts every liquidation action.
        let notices = await engine.liquidationNotices()
        do throws(EngineError) {
            // A new journal starts with the correlation table (the recovered state already carries it).
            if empty { try await c.driver.journalCorrelations(engine) }
            // A mode asked for on an existing journal that has another one is journaled as parameters.
            var current = await engine.state.parameters
            if let mode = c.correlation, current.correlationMode != mode {
                current.correlationMode = mode
                try await engine.submit(EngineEvent.parameters(current))
            }
            // What recovery (or the genesis) left due: accounts already below maintenance margin, a violation the
            // audit at open found. Follow-ups otherwise run only after an event.
            try await engine.journalDue()
        } catch {
            await engine.close()
            throw error
        }
        let state = await engine.state
        report(.ready("engine ready: \(state.accounts.count) accounts, \(state.instruments.count) instruments, "
                      + "sequence \(state.sequence), \(String(format: "%.1f", (ContinuousClock.now - setup).secondsValue)) s, "
                      + "RSS \(residentBytes() >> 20) MiB"))

        // The walk continues from the recovered market.
        let stop = StopFlag()
        c.driver.startTicks(into: engine, continuing: state.markets, until: stop)
        let marketLoop = Task { await engine.runMarketLoop() }
        let noticeLoop = Task {
            var kinds: [String: Int] = [:]
            for await n in notices { kinds[n.kind, default: 0] += 1 }
            return kinds
        }
        let trades = TradeTally()
        let tradeLoop = Task {
            await c.driver.submitTrades(to: engine, state: state, faultPause: .milliseconds(50),
                                        until: { stop.isSet }, refused: trades.record)
        }

        let snapshotNotes = Mutex<[String]>([])
        let start = ContinuousClock.now
        var lastReport = start
        var nextSnapshot = start.advanced(by: .seconds(c.snapshotEvery))
        var lastOffered = engine.conflator.counts.offered
        var lastSequence = await engine.sequence
        var marketRejected = 0
        var marketFaults = 0
        while c.seconds == 0 || (ContinuousClock.now - start).secondsValue < c.seconds {
            if interrupted.isSet { break }
            if case .stopped = engine.status { break }
            try? await Task.sleep(for: .milliseconds(20))
            // Periodic snapshots on a background thread (the engine goes on; recovery replays less journal).
            if c.snapshotEvery > 0, ContinuousClock.now >= nextSnapshot {
                nextSnapshot = ContinuousClock.now.advanced(by: .seconds(c.snapshotEvery))
                await engine.writeSnapshotInBackground { result in
                    snapshotNotes.withLock { $0.append(Self.note(result)) }
                }
            }
            let now = ContinuousClock.now
            guard (now - lastReport).secondsValue >= 1 else { continue }
            let dt = (now - lastReport).secondsValue
            let stats = await engine.takeStats()
            marketRejected += stats.rejected
            marketFaults += stats.storageFaults
            let offered = engine.conflator.counts.offered
            let sequence = await engine.sequence
            let staleness = stats.staleness.sorted()
            let priority = stats.priorityLatency.sorted()
            let tally = trades.counts
            let status = SimulationStatus(
                updatesPerSecond: Double(stats.updates) / dt, offeredPerSecond: Double(offered - lastOffered) / dt,
                eventsPerSecond: Double(sequence - lastSequence) / dt,
                stalenessMilliseconds: (SimulationStatus.percentile(staleness, 50),
                                        SimulationStatus.percentile(staleness, 99),
                                        (staleness.last ?? .zero).secondsValue * 1e3),
                priorityP99Milliseconds: SimulationStatus.percentile(priority, 99),
                healthCounts: await engine.healthCounts, rejected: marketRejected + tally.rejected,
                storageFaults: marketFaults + tally.storageFaults,
                liquidationActions: engine.counters.followUps, liquidating: engine.ledgerStatus.liquidating,
                liquidationHalted: engine.ledgerStatus.halt != nil, engine: engine.status)
            for note in snapshotNotes.withLock({ notes in defer { notes = [] }; return notes }) { report(.note(note)) }
            report(.status(status))
            lastOffered = offered
            lastSequence = sequence
            lastReport = now
        }

        // Stop the producers; a retry in progress is interrupted by closing the engine.
        stop.set()
        await finish(tradeLoop, engine: engine)
        await engine.shutdown()
        await finish(marketLoop, engine: engine)
        let liquidationActions = await noticeLoop.value
        while engine.isWritingSnapshot { try? await Task.sleep(for: .milliseconds(10)) }
        for note in snapshotNotes.withLock({ $0 }) { report(.note(note)) }
        let status = engine.status
        if status.isReady {
            do {
                try await engine.writeSnapshot()
            } catch {
                report(.note("snapshot failed: \(error)"))
            }
        }
        let outcome = Outcome(sequence: await engine.sequence, marginDigest: await engine.marginDigest,
                              status: engine.status, counters: engine.counters,
                              liquidationActions: liquidationActions, ledger: engine.ledgerStatus)
        await engine.close()
        return outcome
    }

    /// Waits for `task`; closes the engine first if it is not ready (a retry holding the task up ends then).
    private static func finish(_ task: Task<Void, Never>, engine: RiskEngine) async {
        let done = StopFlag()
        let waiter = Task {
            await task.value
            done.set()
        }
        while !done.isSet {
            if case .faulted = engine.status {
                await engine.close()
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        await waiter.value
    }

    private static func note(_ result: Result<SnapshotReport, EngineError>) -> String {
        switch result {
        case .success(let r):
            return String(format: "snapshot at sequence %llu: %.1f MB, encoded %.2f s, stored %.2f s (background)",
                          r.sequence, Double(r.bytes) / 1e6, r.encodeSeconds, r.saveSeconds)
        case .failure(let error):
            return "snapshot failed: \(error)"
        }
    }
}

/// Trades that were not acknowledged, by cause.
private final class TradeTally: Sendable {
    private let value = Mutex((rejected: 0, storageFaults: 0))

    func record(_ error: EngineError) {
        value.withLock { v in
            if error.isStorageFault { v.storageFaults += 1 } else { v.rejected += 1 }
        }
    }

    var counts: (rejected: Int, storageFaults: Int) { value.withLock { $0 } }
}
