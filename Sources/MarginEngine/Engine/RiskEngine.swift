import MarginLedger
import Foundation
import MarginCore
import Synchronization

/// The real-time engine: the one driver of ``EngineCore``, owner of the journal (``JournalStore``), with a
/// conflated market feed, and health changes and liquidation notices published to subscribers.
///
/// Every operation that changes the state takes its turn in one FIFO (``TurnQueue``: exactly one event in flight)
/// and runs the one turn protocol (``RiskEngine+Turn.swift``): **prepare → make durable → commit → counters →
/// notices → observers → health changes → follow-ups**, the follow-ups being the events the engine itself owes the
/// journal after it (``EngineCore/nextFollowUps(skipping:untilFirstOrder:)``: a due correlation table, the
/// liquidation planner's actions), each journaled as a step of the same protocol with its own health changes, in
/// the same turn (``RiskEngine+FollowUps.swift``). The hot path, ``EngineCore``, is synchronous and does no I/O.
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
    nonisolated let thread: EngineThread
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    /// The journal and snapshots (owned: closed by ``close()``).
    nonisolated let store: any JournalStore
    /// What a failed append leads to.
    public nonisolated let faultPolicy: StorageFaultPolicy
    /// Set by ``open(store:genesis:snapshotGenesis:faultPolicy:tradeRules:)`` before the engine is handed out.
    private var recovered: EngineCore?
    /// The conflated market feed.
    public nonisolated let conflator = MarketConflator()
    var subscribers: [Int: AsyncStream<HealthChange>.Continuation] = [:]
    var noticeSubscribers: [Int: AsyncStream<LiquidationNotice>.Continuation] = [:]
    var nextSubscriber = 0
    /// Tests: called after every committed event (``observeCommits(checkingInvariants:_:)``).
    var commitObserver: (checkingInvariants: Bool, body: CommitObserver)?
    var stats = MarketStats()
    /// Liquidation slices and the turn's budget of follow-ups (``setFollowUpPacing(_:)``).
    var pacing = FollowUpPacing()
    /// Status and counters, readable from any thread (``status``, ``counters``).
    nonisolated let board = Mutex(Board())
    nonisolated let snapshots = BackgroundSnapshots()
    /// Per-account change feeds (``watch(account:)``), published after every commit.
    nonisolated let watchers = AccountWatchers()
    /// The FIFO of operations waiting for their turn (``takeTurn(refusable:)``).
    private var turns = TurnQueue()
    /// Whether another operation waits for the turn (a submit, a market batch, a gathered write batch).
    var othersWaitForTurn: Bool { turns.waitingCount > 0 || !gathering.isEmpty }
    /// Set by ``close()``: interrupts a retry loop.
    var closing = false
    /// Set by ``shutdown()``: a turn's follow-ups stop at the end of the slice once the budget is spent, and the
    /// market loop resumes no further rounds (what is still due is the next open's business: ``journalDue()``).
    var shuttingDown = false
    /// Client writes waiting for the next group-commit batch (``submitWrites(_:)``).
    var gathering = WriteGathering()
    /// Whether a group-commit batch is committed ahead of its append (reads wait: ``untilDurable()``).
    var aheadOfJournal = false
    var durableWaiters: [CheckedContinuation<Void, Never>] = []

    struct Board {
        var status = EngineStatus.recovering
        var counters = EngineCounters()
        var ledger = LedgerStatus()
    }

    /// The bounds on trades' fees and prices (configuration, not journaled: ``TradeRules``).
    public nonisolated let tradeRules: TradeRules

    private init(store: any JournalStore, faultPolicy: StorageFaultPolicy, tradeRules: TradeRules) {
        thread = EngineThread()
        self.store = store
        self.faultPolicy = faultPolicy
        self.tradeRules = tradeRules
    }

    deinit { thread.finish() }

    /// Opens the engine on `store`, which it then owns: loads the latest snapshot, replays the journal after it
    /// and computes every margin, on the engine's thread (``status`` is ``EngineStatus/recovering`` meanwhile).
    /// An empty store starts from `genesis` (written as the first snapshot when it has content and
    /// `snapshotGenesis`; benchmarks skip it). `tradeRules` bound the trades it accepts (validated here).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)`` (the store is
    ///   closed then, releasing its writer lock), ``EngineError/invalid(field:reason:)`` for `tradeRules`.
    public static func open(store: any JournalStore, genesis: EngineState = EngineState(), snapshotGenesis: Bool = true,
                            faultPolicy: StorageFaultPolicy = .retry(),
                            tradeRules: TradeRules = .default) async throws(EngineError) -> RiskEngine {
        do {
            try tradeRules.validate()
        } catch {
            await store.close()
            throw error
        }
        let engine = RiskEngine(store: store, faultPolicy: faultPolicy, tradeRules: tradeRules)
        do {
            try await engine.recover(genesis: genesis, snapshotGenesis: snapshotGenesis)
        } catch {
            await store.close()
            throw error
        }
        return engine
    }

    /// The recovered core (set before ``open(store:genesis:snapshotGenesis:faultPolicy:tradeRules:)`` returns).
    var core: EngineCore {
        guard let recovered else { preconditionFailure("RiskEngine used before open completed") }
        return recovered
    }

    private func recover(genesis: EngineState, snapshotGenesis: Bool) async throws(EngineError) {
        var state: EngineState
        if let snapshot = try await store.latestSnapshot() {
            state = try EngineState(snapshot: snapshot)
        } else {
            state = genesis
            if snapshotGenesis, genesis != EngineState(), try await store.lastSequence() == 0 {
                try await store.saveSnapshot(SnapshotRecord(sequence: genesis.sequence, payload: genesis.payload))
            }
        }
        try await state.replayJournal(of: store)
        let core = EngineCore(state: state, tradeRules: tradeRules)
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
    ///   operation in flight faults (``refuseWaitingSubmits(_:)``), since the engine stops acknowledging then.
    /// - Returns: `true` with the turn held, `false` when refused (without the turn).
    @discardableResult
    func takeTurn(refusable: Bool = false) async -> Bool {
        if turns.tryTake() { return true }
        return await withCheckedContinuation { turns.enqueue($0, refusable: refusable) }
    }

    /// Hands the turn to the next waiting operation (or frees it).
    func passTurn() {
        turns.pass()?.resume(returning: true)
    }

    /// Refuses every waiting submit (the engine just faulted): they fail fast with the fault instead of waiting
    /// for the retry. Other operations (``close()``, snapshots) keep their place.
    func refuseWaitingSubmits(_ fault: StorageFault) {
        for waiter in turns.refuseRefusable() { waiter.resume(returning: false) }
        refuseGathered(.storage("the engine is faulted, not acknowledging: \(fault.reason)"))
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
    /// A client write (``ClientWrite/isGathered(_:)``: deposit, withdrawal, trade) is gathered with concurrent
    /// ones into one group-commit batch (``submitWrites(_:)``): its health changes and follow-ups are its batch's.
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
        if ClientWrite.isGathered(event) { return try await submitGathered(event) }
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
    /// open). What a driver calls once after ``open(store:genesis:snapshotGenesis:faultPolicy:tradeRules:)``: recovery (or a
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

    /// One submitted event's turn (``runTurn(_:answer:reportAfter:onPriorityDone:)``), in the caller's turn.
    func submitInTurn(_ event: EngineEvent, reportAfter: Int = 100,
                      onPriorityDone: (() -> Void)? = nil) async throws(EngineError) -> Acknowledgement {
        let result = try await runTurn(.event(event), reportAfter: reportAfter, onPriorityDone: onPriorityDone)
            .result
        return Acknowledgement(sequence: result.sequences[0], healthChanges: result.healthChanges,
                               followUps: result.followUps)
    }

    /// A market batch's turn, in the caller's turn: one pass for updates of distinct underlyings, refused ones
    /// reported; updates of the same underlying twice are submitted one by one.
    func submitMarketsInTurn(_ updates: [MarketUpdate], reportAfter: Int,
                             onPriorityDone: (() -> Void)?) async throws(EngineError) -> MarketBatchAcknowledgement {
        var out = MarketBatchAcknowledgement()
        guard Set(updates.map(\.underlying)).count == updates.count else {
            for (i, m) in updates.enumerated() {
                do {
                    let ack = try await submitInTurn(.market(m), reportAfter: reportAfter,
                                                     onPriorityDone: i == 0 ? onPriorityDone : nil)
                    out.sequences.append(ack.sequence)
                    out.healthChanges += ack.healthChanges
                    out.followUps += ack.followUps
                } catch {
                    if error.isStorageFault { throw error }
                    out.rejected.append((m, error))
                }
            }
            return out
        }
        let result = try await runTurn(.markets(updates, required: []), reportAfter: reportAfter,
                                       onPriorityDone: onPriorityDone).result
        out.sequences = result.sequences
        out.rejected = result.rejected
        out.healthChanges = result.healthChanges
        out.followUps = result.followUps
        return out
    }

    /// Journals the pending health changes as one atomic batch, applies and publishes them. When the append
    /// fails for good (the engine stopped), they go back to pending (recovery finds them again).
    func journalHealthInTurn() async -> [HealthChange] {
        watchers.publish(from: core)
        guard let batch = core.prepareHealthChanges() else { return [] }
        do {
            try await makeDurable(batch.records)
        } catch {
            // Not a step of their own (``journalStep(_:events:origin:trailer:reportAfter:onPriorityDone:)``):
            // health records are neither acknowledged nor counted as faults; they are journaled again later.
            core.requeueHealthChanges(batch)
            return []
        }
        core.commit(batch)
        publish(batch.healthChanges)
        return batch.healthChanges
    }

    /// Ends every subscription (health changes and liquidation notices) and the market loop (the engine still
    /// accepts submits; ``close()`` ends it).
    public func shutdown() {
        shuttingDown = true
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
}
