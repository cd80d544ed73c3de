import Foundation
import MarginCore
import Synchronization

/// The real-time engine: the one driver of ``EngineCore``, owner of the journal (``JournalStore``), with a
/// conflated market feed, and health changes and liquidation notices published to subscribers.
///
/// Every operation that changes the state takes its turn in one FIFO (exactly one event in flight: an actor is
/// re-entrant across `await`, so without it a second submit could validate against a state the first has not
/// committed yet) and runs **prepare → append (awaited, durable) → commit → health changes (prepare → append →
/// commit) → follow-ups**: the events the engine itself owes the journal after it
/// (``EngineCore/nextFollowUps(skipping:)``: a due correlation table, the liquidation planner's actions), each
/// journaled the same way with its own health changes, in the same turn, until none is due
/// (``RiskEngine+FollowUps.swift``). The hot path, ``EngineCore``, is synchronous and does no I/O.
///
/// - Trading and admin events: ``submit(_:)``, in arrival order; returns after the event is durable and applied,
///   and its follow-ups journaled (``Acknowledgement/followUps``).
/// - Journal time: ``advanceClock(to:)`` submits a `clock` event, so that liquidation rounds advance while no
///   market data arrives.
/// - Market ticks: ``offer(_:)`` from any thread; ``runMarketLoop()`` drains the conflator (latest per underlying
///   wins) and re-margins every pending underlying in one pass. Staleness bound: a tick waits for at most the pass
///   in progress plus its own pass, so an account's margin lags the market by at most
///   2 × (T_pass(all underlyings) + T_append); ``takeStats()`` measures it (docs/ENGINE.md).
/// - Health: ``healthChanges()`` is an `AsyncStream` per subscriber, buffering the newest 65 536 changes;
///   liquidation notices likewise (``liquidationNotices()``). A slow consumer loses the oldest, never holds the
///   engine up.
/// - The ledger: ``EngineCore/auditLedger()`` runs once at open; what it (and the per-event checks) find is
///   ``ledgerStatus``, readable from any thread, and is journaled as an alert that halts liquidation.
/// - Storage faults: a failed append puts the engine in ``EngineStatus/faulted(_:)`` (nothing acknowledged, new
///   submits fail fast with the fault), then the ``StorageFaultPolicy`` retries or stops (``status``, readable
///   from any thread without waiting for the engine). Rejections and storage faults are counted apart
///   (``counters``).
///
/// The actor runs on its own thread (``EngineThread``, a custom serial executor), never on Swift's cooperative
/// pool: its re-margining passes (10–25 ms over 100,000 accounts) and recovery do not hold up other tasks.
///
/// ```swift
/// let engine = try await RiskEngine.open(store: try SQLiteJournalStore(path: "engine.sqlite"))
/// let ack = try await engine.submit(.deposit(Transfer(account: "alice", currency: "USD", amount: 1_000)))
/// ```
public actor RiskEngine {
    private nonisolated let thread: EngineThread
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    /// The journal and snapshots (owned: closed by ``close()``).
    nonisolated let store: any JournalStore
    /// What a failed append leads to.
    public nonisolated let faultPolicy: StorageFaultPolicy
    /// Set by ``open(store:genesis:snapshotGenesis:faultPolicy:)`` before the engine is handed out.
    private var recovered: EngineCore?
    /// The conflated market feed.
    public nonisolated let conflator = MarketConflator()
    private var subscribers: [Int: AsyncStream<HealthChange>.Continuation] = [:]
    var noticeSubscribers: [Int: AsyncStream<LiquidationNotice>.Continuation] = [:]
    var nextSubscriber = 0
    /// Tests: called after every committed event (``observeCommits(checkingInvariants:_:)``).
    var commitObserver: (checkingInvariants: Bool, body: CommitObserver)?
    var stats = MarketStats()
    /// Status and counters, readable from any thread (``status``, ``counters``).
    nonisolated let board = Mutex(Board())
    nonisolated let snapshots = BackgroundSnapshots()
    /// Per-account change feeds (``watch(account:)``), published after every commit.
    nonisolated let watchers = AccountWatchers()
    /// The FIFO of operations waiting for their turn (``takeTurn()``).
    private var turnTaken = false
    private var waiting: [(continuation: CheckedContinuation<Bool, Never>, refusable: Bool)] = []
    private var waitingHead = 0
    /// Set by ``close()``: interrupts a retry loop.
    var closing = false

    struct Board {
        var status = EngineStatus.recovering
        var counters = EngineCounters()
        var ledger = LedgerStatus()
    }

    /// Per-pass measurements since the last ``takeStats()``.
    public struct MarketStats: Sendable {
        /// Market events applied.
        public var updates = 0
        /// Ticks merged away by conflation.
        public var superseded = 0
        /// Per applied update: first tick's arrival → every affected account re-margined.
        public var staleness: [Duration] = []
        /// Per applied update: first tick's arrival → the 100 accounts nearest liquidation re-margined.
        public var priorityLatency: [Duration] = []
        /// Market updates rejected by validation (e.g. time moved past an unexpired instrument).
        public var rejected = 0
        /// Market updates not applied because of a storage fault (counted apart from rejections).
        public var storageFaults = 0
    }

    private init(store: any JournalStore, faultPolicy: StorageFaultPolicy) {
        thread = EngineThread()
        self.store = store
        self.faultPolicy = faultPolicy
    }

    deinit { thread.finish() }

    /// Opens the engine on `store`, which it then owns: loads the latest snapshot, replays the journal after it
    /// and computes every margin, on the engine's thread (``status`` is ``EngineStatus/recovering`` meanwhile).
    /// An empty store starts from `genesis` (written as the first snapshot when it has content and
    /// `snapshotGenesis`; benchmarks skip it).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)`` (the store is
    ///   closed then, releasing its writer lock).
    public static func open(store: any JournalStore, genesis: EngineState = EngineState(), snapshotGenesis: Bool = true,
                            faultPolicy: StorageFaultPolicy = .retry()) async throws(EngineError) -> RiskEngine {
        let engine = RiskEngine(store: store, faultPolicy: faultPolicy)
        do {
            try await engine.recover(genesis: genesis, snapshotGenesis: snapshotGenesis)
        } catch {
            await store.close()
            throw error
        }
        return engine
    }

    /// The recovered core (set before ``open(store:genesis:snapshotGenesis:faultPolicy:)`` returns).
    var core: EngineCore {
        guard let recovered else { preconditionFailure("RiskEngine used before open completed") }
        return recovered
    }

    private func recover(genesis: EngineState, snapshotGenesis: Bool) async throws(EngineError) {
        var state: EngineState
        if let snapshot = try await store.latestSnapshot() {
            state = try EngineCore.state(from: snapshot)
        } else {
            state = genesis
            if snapshotGenesis, genesis != EngineState(), try await store.lastSequence() == 0 {
                try await store.saveSnapshot(SnapshotRecord(sequence: genesis.sequence, payload: genesis.payload))
            }
        }
        while true {
            let page = try await store.records(after: state.sequence, limit: 10_000)
            try EngineCore.replay(page, onto: &state)
            if page.count < 10_000 { break }
        }
        let core = EngineCore(state: state)
        recovered = core
        // The per-event checks only see events this process applies: a violation whose alert was not journaled
        // before a restart is found again here, and journaled as the next follow-up (an alert halting liquidation).
        core.auditLedger()
        refreshLedgerStatus()
        setStatus(.ready)
    }

    // MARK: Turns

    /// Waits until no other operation is in flight, then holds the turn until ``passTurn()`` (FIFO).
    ///
    /// - Parameter refusable: an operation that acknowledges events (a submit): refused while it waits if the
    ///   operation in flight faults (``refuseWaitingSubmits()``), since the engine stops acknowledging then.
    /// - Returns: `true` with the turn held, `false` when refused (without the turn).
    @discardableResult
    func takeTurn(refusable: Bool = false) async -> Bool {
        guard turnTaken else {
            turnTaken = true
            return true
        }
        return await withCheckedContinuation { waiting.append(($0, refusable)) }
    }

    /// Hands the turn to the next waiting operation (or frees it).
    func passTurn() {
        guard waitingHead < waiting.count else {
            turnTaken = false
            return
        }
        let next = waiting[waitingHead]
        waitingHead += 1
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        }
        next.continuation.resume(returning: true)
    }

    /// Refuses every waiting submit (the engine just faulted): they fail fast with the fault instead of waiting
    /// for the retry. Other operations (``close()``, snapshots) keep their place.
    func refuseWaitingSubmits() {
        let pending = waiting[waitingHead...]
        waiting = pending.filter { !$0.refusable }
        waitingHead = 0
        for w in pending where w.refusable { w.continuation.resume(returning: false) }
    }

    /// Takes the turn for a submit, or throws the storage fault when the engine does not acknowledge (before or
    /// while waiting).
    func takeSubmitTurn() async throws(EngineError) {
        while true {
            try checkAccepting()
            if await takeTurn(refusable: true) { break }
        }
        do {
            try checkAccepting()
        } catch {
            passTurn()
            throw error
        }
    }

    // MARK: Submitting

    /// Validates, journals, applies and re-margins one event; journals and publishes the health changes it causes.
    ///
    /// - Throws: ``EngineError``: a rejection (``EngineError/isRejection``: nothing changed), or a storage fault
    ///   (``EngineError/isStorageFault``: not acknowledged; the engine is faulted or stopped, see ``status``).
    @discardableResult
    public func submit(_ event: EngineEvent) async throws(EngineError) -> Acknowledgement {
        try await submit(event, reportAfter: 100, onPriorityDone: nil)
    }

    /// ``submit(_:)`` with a callback once the `reportAfter` accounts nearest liquidation have been re-margined
    /// (market events; benchmarks and latency statistics).
    @discardableResult
    package func submit(_ event: EngineEvent, reportAfter: Int,
                        onPriorityDone: (@Sendable () -> Void)?) async throws(EngineError) -> Acknowledgement {
        try await takeSubmitTurn()
        defer { passTurn() }
        return try await submitInTurn(event, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
    }

    /// Validates, journals (one append for the batch), applies and re-margins several market updates in **one**
    /// pass (updates of the same underlying twice are submitted one by one).
    ///
    /// - Returns: the applied sequences, the updates rejected by validation (nothing of them applied), and the
    ///   health changes.
    /// - Throws: a storage fault (nothing acknowledged).
    @discardableResult
    public func submitMarkets(_ updates: [MarketUpdate]) async throws(EngineError) -> MarketBatchAcknowledgement {
        try await submitMarkets(updates, reportAfter: 100, onPriorityDone: nil)
    }

    /// ``submitMarkets(_:)`` with a callback once the `reportAfter` accounts nearest liquidation are re-margined.
    @discardableResult
    package func submitMarkets(_ updates: [MarketUpdate], reportAfter: Int, onPriorityDone: (@Sendable () -> Void)?)
        async throws(EngineError) -> MarketBatchAcknowledgement
    {
        try await takeSubmitTurn()
        defer { passTurn() }
        return try await submitMarketsInTurn(updates, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
    }

    /// Journals and publishes the health changes waiting to be journaled (e.g. found at recovery), as one batch.
    @discardableResult
    public func journalHealthChanges() async throws(EngineError) -> [HealthChange] {
        try await takeSubmitTurn()
        defer { passTurn() }
        return await journalHealthInTurn()
    }

    /// Journals everything the engine owes the journal now, in one turn: the pending health changes, then the
    /// follow-ups (a due correlation table, the liquidation actions due, an alert for a ledger violation found at
    /// open). What a driver calls once after ``open(store:genesis:snapshotGenesis:faultPolicy:)``: recovery (or a
    /// genesis) may leave accounts below maintenance margin, and follow-ups otherwise run only after an event.
    ///
    /// - Returns: the health changes and follow-ups journaled (`sequence` is the last journaled sequence).
    @discardableResult
    public func journalDue() async throws(EngineError) -> Acknowledgement {
        try await takeSubmitTurn()
        defer { passTurn() }
        var changes = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        changes += followUps.healthChanges
        return Acknowledgement(sequence: core.state.sequence, healthChanges: changes, followUps: followUps.events)
    }

    func submitInTurn(_ event: EngineEvent, reportAfter: Int,
                              onPriorityDone: (() -> Void)?) async throws(EngineError) -> Acknowledgement {
        let batch: PreparedBatch
        do {
            batch = try core.prepare(event)
        } catch {
            count { $0.rejected += 1 }
            throw error
        }
        do {
            try await makeDurable(batch.records)
        } catch {
            count { $0.storageFaults += 1 }
            throw error
        }
        let sequences = core.commit(batch, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        count { $0.acknowledged += 1 }
        publishNotice(of: event, sequence: sequences[0])
        observeCommit(event, sequence: sequences[0], isFollowUp: false)
        var changes = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        changes += followUps.healthChanges
        return Acknowledgement(sequence: sequences[0], healthChanges: changes, followUps: followUps.events)
    }

    func submitMarketsInTurn(_ updates: [MarketUpdate], reportAfter: Int,
                                     onPriorityDone: (() -> Void)?) async throws(EngineError) -> MarketBatchAcknowledgement {
        var result = MarketBatchAcknowledgement()
        guard Set(updates.map(\.underlying)).count == updates.count else {
            for (i, m) in updates.enumerated() {
                do {
                    let ack = try await submitInTurn(.market(m), reportAfter: reportAfter,
                                                     onPriorityDone: i == 0 ? onPriorityDone : nil)
                    result.sequences.append(ack.sequence)
                    result.healthChanges += ack.healthChanges
                    result.followUps += ack.followUps
                } catch {
                    if error.isStorageFault { throw error }
                    result.rejected.append((m, error))
                }
            }
            return result
        }
        let batch = core.prepareMarkets(updates)
        result.rejected = batch.rejected
        count { $0.rejected += batch.rejected.count }
        do {
            try await makeDurable(batch.records)
        } catch {
            count { $0.storageFaults += batch.records.count }
            throw error
        }
        result.sequences = core.commit(batch, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        count { $0.acknowledged += result.sequences.count }
        if commitObserver != nil {
            let accepted = updates.filter { m in !result.rejected.contains { $0.update.underlying == m.underlying } }
            for (m, sequence) in zip(accepted, result.sequences) {
                observeCommit(.market(m), sequence: sequence, isFollowUp: false)
            }
        }
        result.healthChanges = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        result.healthChanges += followUps.healthChanges
        result.followUps = followUps.events
        return result
    }

    /// Journals the pending health changes as one atomic batch, applies and publishes them. When the append
    /// fails for good (the engine stopped), they go back to pending (recovery finds them again).
    func journalHealthInTurn() async -> [HealthChange] {
        watchers.publish(from: core)
        guard let batch = core.prepareHealthChanges() else { return [] }
        do {
            try await makeDurable(batch.records)
        } catch {
            core.requeueHealthChanges(batch)
            return []
        }
        core.commit(batch)
        publish(batch.healthChanges)
        return batch.healthChanges
    }

    // MARK: Market feed

    /// Offers a market tick to the conflator (never blocks, never queues more than one per underlying).
    public nonisolated func offer(_ update: MarketUpdate) { conflator.offer(update) }

    /// Applies conflated market updates until the conflator is finished (``shutdown()``, or the engine stopped on
    /// a storage fault) or the task is cancelled.
    public func runMarketLoop() async {
        for await _ in conflator.doorbell {
            if Task.isCancelled { break }
            await processPendingMarket()
        }
    }

    /// Applies every pending conflated update now, in one re-margining pass whatever the number of underlyings.
    /// While the engine is not ready, ticks stay in the conflator (latest per underlying), applied once it is.
    public func processPendingMarket() async {
        guard status.isReady else { return }
        await takeTurn()
        defer { passTurn() }
        guard status.isReady else { return }
        let pending = conflator.drain()
        guard !pending.isEmpty else { return }
        let priority = PriorityStamp()
        do {
            let ack = try await submitMarketsInTurn(pending.map(\.update), reportAfter: 100,
                                                    onPriorityDone: { priority.mark() })
            let now = ContinuousClock.now
            stats.rejected += ack.rejected.count
            let rejected = Set(ack.rejected.map(\.update.underlying))
            for p in pending where !rejected.contains(p.update.underlying) {
                stats.updates += 1
                stats.superseded += p.ticks - 1
                if stats.staleness.count < 1_000_000 {
                    stats.staleness.append(now - p.firstArrival)
                    stats.priorityLatency.append((priority.instant ?? now) - p.firstArrival)
                }
            }
        } catch {
            stats.storageFaults += pending.count
        }
    }

    /// Returns and resets the market statistics.
    public func takeStats() -> MarketStats {
        defer { stats = MarketStats() }
        return stats
    }

    // MARK: Health subscriptions

    /// A new subscription to health changes, in journal order.
    public func healthChanges() -> AsyncStream<HealthChange> {
        makeSubscription { subscribers[$0] = $1 }
    }

    /// A new stream buffering the newest 65,536 elements, its continuation handed to `register` under a fresh
    /// subscriber id (ids are unique across kinds of subscription); unsubscribed when the consumer ends it.
    func makeSubscription<Element: Sendable>(
        _ register: (Int, AsyncStream<Element>.Continuation) -> Void) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(65_536))
        let id = nextSubscriber
        nextSubscriber += 1
        register(id, continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
        noticeSubscribers[id] = nil
    }

    private func publish(_ changes: [HealthChange]) {
        guard !changes.isEmpty else { return }
        for c in subscribers.values {
            for change in changes { c.yield(change) }
        }
    }

    /// Ends every subscription (health changes and liquidation notices) and the market loop (the engine still
    /// accepts submits; ``close()`` ends it).
    public func shutdown() {
        for c in subscribers.values { c.finish() }
        subscribers = [:]
        watchers.finishAll()
        for c in noticeSubscribers.values { c.finish() }
        noticeSubscribers = [:]
        conflator.finish()
    }

    /// Shuts down (``shutdown()``), interrupts a retry in progress (its submitter gets the storage fault), waits
    /// for the operation in flight, and closes the store (releasing the journal's writer lock). Afterwards
    /// ``status`` is ``EngineStatus/stopped(_:)`` (with the fault it stopped on, if any) and submits fail.
    public func close() async {
        shutdown()
        closing = true
        await takeTurn()
        if case .stopped = status {} else { setStatus(.stopped(nil)) }
        passTurn()
        await store.close()
    }

    // MARK: Reading

    public var state: EngineState { core.state }
    /// The markets alone, by underlying (a driver pricing its next order copies these, not the whole state).
    public var markets: [String: UnderlyingMarket] { core.state.markets }
    /// The sequence of the last applied event.
    public var sequence: UInt64 { core.state.sequence }
    public func margin(of account: String) -> AccountMargin? { core.margin(of: account) }
    /// Every account's margin, by account name.
    public var margins: [String: AccountMargin] { core.margins }
    /// FNV-1a digest of every margin's bit pattern and of the canonical state (``EngineCore/digest``).
    public var digest: String { core.digest }
    /// The margins' half of ``digest``.
    public var marginDigest: String { core.marginDigest }
    public var healthCounts: [Health: Int] { core.healthCounts }
    /// Where the time of the last re-margining pass went.
    public var lastPass: PassProfile { core.lastPass }
    /// The accounts nearest liquidation for `underlying`, nearest first.
    public func priorityAccounts(of underlying: String) -> [String] { core.priorityAccounts(of: underlying) }
    /// Threads a pass may use (1 or 2; margins are bit-identical for both).
    public func setThreads(_ n: Int) { core.setThreads(n) }
    /// Accounts per underlying ranked and re-margined first (default 256).
    public func setPriorityCount(_ k: Int) { core.setPriorityCount(k) }
    /// The aggregation kernel's instruction-set path: `"avx512"`, `"avx2"` or `"scalar"`.
    public var aggregationInstructionSet: String { core.aggregationInstructionSet }
    /// Recomputes every account with the scalar reference and counts accounts differing by any bit.
    public func verifyAggregation() -> (accounts: Int, mismatches: Int) { core.verifyAggregation() }

    /// Whether the engine's code runs on its own thread (tests: `await engine.runsOnEngineThread()`).
    package func runsOnEngineThread() -> Bool { thread.isCurrent }
}

/// When a pass reached the accounts nearest liquidation (set on the engine's thread, read after the pass).
final class PriorityStamp: @unchecked Sendable {
    // @unchecked: written and read on the engine's thread only (the callback runs inside the pass).
    private(set) var instant: ContinuousClock.Instant?
    func mark() { instant = .now }
}
