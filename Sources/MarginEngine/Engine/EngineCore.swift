import CVectorMath
import Foundation
import MarginCore

/// What the engine answers when an event has been journaled and applied.
public struct Acknowledgement: Hashable, Sendable {
    /// The event's journal sequence.
    public var sequence: UInt64
    /// Health changes the event caused (already journaled after it).
    public var healthChanges: [HealthChange]
}

/// What the engine answers for a batch of market updates (``EngineCore/submitMarkets(_:reportAfter:onPriorityDone:)``).
public struct MarketBatchAcknowledgement: Sendable {
    /// Journal sequences of the applied updates, in order.
    public var sequences: [UInt64] = []
    /// Updates rejected by validation (nothing of them applied).
    public var rejected: [(update: MarketUpdate, error: EngineError)] = []
    /// Health changes the batch caused (journaled after it).
    public var healthChanges: [HealthChange] = []
}

/// The engine's single writer: owns the state, the margin cache and the journal, and processes one event at a time.
///
/// `submit` = validate → append to the journal (durable) → apply → re-margin → journal and report health changes.
/// A rejected event (``EngineError``) or a failed append changes nothing. Not thread-safe by design: one owner
/// (``RiskEngine``, a CLI loop or a test) calls it; readers take ``state`` (a value, a consistent snapshot).
public final class EngineCore {
    /// The current state (a value: a consistent snapshot when copied).
    public private(set) var state: EngineState
    let book: RiskBook
    public let store: any JournalStore
    /// Background snapshot bookkeeping (``writeSnapshotInBackground(completion:)``).
    let backgroundSnapshots = BackgroundSnapshots()
    /// Called for every journaled health change, in journal order.
    public var onHealthChange: ((HealthChange) -> Void)?
    /// Called for every journaled liquidation notice (margin call, end of a liquidation, takeover, deleverage fill,
    /// alert), in journal order (docs/LIQUIDATION.md).
    public var onLiquidationNotice: ((EngineEvent) -> Void)?
    /// The ledger's per-event invariant check and the pending alert (``LedgerAudit``).
    let ledgerAudit = LedgerAudit()

    /// Opens the engine on `store`: loads the latest snapshot, replays the journal after it and computes every
    /// margin. An empty store starts from `genesis` (written as the first snapshot when it has content and
    /// `snapshotGenesis`; benchmarks skip it).
    ///
    /// - Throws: ``EngineError/corruptRecord(sequence:reason:)`` or ``EngineError/storage(_:)``.
    public init(store: any JournalStore, genesis: EngineState = EngineState(),
                snapshotGenesis: Bool = true) throws(EngineError) {
        self.store = store
        var state: EngineState
        if let snapshot = try store.latestSnapshot() {
            do {
                state = try EngineState(payload: snapshot.payload)
            } catch {
                throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot: \(error)")
            }
            guard state.sequence == snapshot.sequence else {
                throw EngineError.corruptRecord(sequence: snapshot.sequence, reason: "snapshot sequence mismatch")
            }
        } else {
            state = genesis
            let last = try store.lastSequence()
            if snapshotGenesis, last == 0, genesis != EngineState() {
                try store.saveSnapshot(SnapshotRecord(sequence: genesis.sequence, payload: genesis.payload))
            }
        }
        for record in try store.allRecords(after: state.sequence) {
            guard record.sequence == state.sequence + 1 else {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "gap after \(state.sequence)")
            }
            let event: EngineEvent
            do { event = try EngineEvent(payload: record.payload) } catch {
                throw EngineError.corruptRecord(sequence: record.sequence, reason: "\(error)")
            }
            state.apply(event)
            state.sequence = record.sequence
        }
        self.state = state
        book = RiskBook(parameters: state.parameters)
        book.correlations = state.correlations
        book.rebuild(from: state)
    }

    // MARK: Reading

    /// The current margin of `account`, or `nil` if unknown.
    public func margin(of account: String) -> AccountMargin? {
        book.accountSlot[account].map { book.margins[Int($0)] }
    }

    /// Every account's margin, by account name.
    public var margins: [String: AccountMargin] {
        var out: [String: AccountMargin] = [:]
        for (i, name) in book.accountNames.enumerated() { out[name] = book.margins[i] }
        return out
    }

    /// Number of accounts per health state (by computed margin).
    public var healthCounts: [Health: Int] {
        var out: [Health: Int] = [:]
        for m in book.margins { out[m.health, default: 0] += 1 }
        return out
    }

    /// The accounts nearest liquidation for `underlying`, nearest first (the next pass re-margins them first).
    public func priorityAccounts(of underlying: String) -> [String] {
        guard let u = book.underlyingSlot[underlying] else { return [] }
        return book.priority[u].map { book.accountNames[Int($0)] }
    }

    /// Sets how many accounts per underlying are ranked and re-margined first (default 256).
    public func setPriorityCount(_ k: Int) { book.priorityCount = max(0, k) }

    /// Sets how many threads a re-margining pass may use for pricing and the full sweep (clamped to 1...2: the
    /// writer and one helper). Margins are bit-identical for every value; 1 keeps the engine on one core.
    public func setThreads(_ n: Int) { book.threads = min(max(1, n), RiskBook.maxThreads) }

    /// Where the time of the last re-margining pass went (market events only).
    public var lastPass: PassProfile { book.lastPass }

    /// The instruction-set path of the aggregation kernel on this machine: `"avx512"`, `"avx2"` or `"scalar"`.
    public var aggregationInstructionSet: String { String(cString: vm_isa_name(book.isa)) }

    // MARK: Writing

    /// Validates, journals, applies and re-margins one event.
    ///
    /// - Parameter onPriorityDone: for a market event, called once the `reportAfter` accounts nearest liquidation
    ///   have been re-margined (latency measurement).
    /// - Throws: ``EngineError``: a rejection (nothing changed) or a storage failure (nothing applied).
    @discardableResult
    public func submit(_ event: EngineEvent, reportAfter: Int = 100,
                       onPriorityDone: (() -> Void)? = nil) throws(EngineError) -> Acknowledgement {
        book.eventArrival = .now
        if case .market = event { book.primeHelper() }
        let prepared = try validate(event)
        let sequence = state.sequence + 1
        try store.append([JournalRecord(sequence: sequence, payload: event.payload)])
        state.apply(event)
        state.sequence = sequence
        update(after: event, prepared: prepared, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        let changes = journalHealthChanges()
        return Acknowledgement(sequence: sequence, healthChanges: changes)
    }

    /// Validates, journals (one append for the batch), applies and re-margins several market updates of distinct
    /// underlyings in **one** pass: each exposed account is visited once and re-aggregates only the updated
    /// underlyings it holds (the conflated feed's case when BTC and ETH are both pending).
    ///
    /// Rejected updates (``EngineError``) are returned and change nothing; the others are applied in the given
    /// order. Updates of the same underlying twice are submitted one by one.
    ///
    /// - Throws: ``EngineError/storage(_:)`` when the append fails (nothing applied).
    @discardableResult
    public func submitMarkets(_ updates: [MarketUpdate], reportAfter: Int = 100,
                              onPriorityDone: (() -> Void)? = nil) throws(EngineError) -> MarketBatchAcknowledgement {
        var result = MarketBatchAcknowledgement()
        book.eventArrival = .now
        book.primeHelper()
        guard Set(updates.map(\.underlying)).count == updates.count else {
            for (i, m) in updates.enumerated() {
                do {
                    let ack = try submit(.market(m), reportAfter: reportAfter,
                                         onPriorityDone: i == 0 ? onPriorityDone : nil)
                    result.sequences.append(ack.sequence)
                    result.healthChanges += ack.healthChanges
                } catch {
                    if case .storage = error { throw error }
                    result.rejected.append((m, error))
                }
            }
            return result
        }
        var accepted: [(MarketUpdate, Prepared)] = []
        for m in updates {
            do { accepted.append((m, try validate(.market(m)))) } catch { result.rejected.append((m, error)) }
        }
        guard !accepted.isEmpty else { onPriorityDone?(); return result }
        var records: [JournalRecord] = []
        for (k, (m, _)) in accepted.enumerated() {
            records.append(JournalRecord(sequence: state.sequence + UInt64(k + 1), payload: EngineEvent.market(m).payload))
        }
        try store.append(records)
        var us: [Int] = []
        for (m, prepared) in accepted {
            state.apply(.market(m))
            state.sequence += 1
            result.sequences.append(state.sequence)
            let u = book.addUnderlying(m.underlying)
            book.setMarket(u, market: prepared.market)
            us.append(u)
        }
        book.remarginUnderlyings(us, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        result.healthChanges = journalHealthChanges()
        return result
    }


    /// Journals the pending health changes as one atomic batch, applies and publishes them. On a storage failure
    /// they stay pending (retried after the next event).
    @discardableResult
    public func journalHealthChanges() -> [HealthChange] {
        let changes = book.takeHealthChanges()
        guard !changes.isEmpty else { return [] }
        var records: [JournalRecord] = []
        var seq = state.sequence
        for c in changes {
            seq += 1
            records.append(JournalRecord(sequence: seq, payload: EngineEvent.health(c).payload))
        }
        do {
            try store.append(records)
        } catch {
            for c in changes { if let a = book.accountSlot[c.account] { book.noteHealth(a, book.margins[Int(a)]) } }
            return []
        }
        for c in changes {
            state.apply(.health(c))
            state.sequence += 1
            if let a = book.accountSlot[c.account] { book.journaledHealth[Int(a)] = c.to }
            onHealthChange?(c)
        }
        return changes
    }

    private func update(after event: EngineEvent, prepared: Prepared, reportAfter: Int,
                        onPriorityDone: (() -> Void)?) {
        switch event {
        case .deposit(let t), .withdrawal(let t):
            resync(t.account)
        case .trade(let t):
            for name in [t.buyer, t.seller, state.liquidation.feeAccount] { resync(name) }
        case .market(let m):
            let u = book.addUnderlying(m.underlying)
            book.setMarket(u, market: prepared.market)
            book.remarginUnderlying(u, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        case .listing(let l):
            book.addInstrument(id: l.id, l.instrument)
        case .expiry(let e):
            book.removeInstrument(id: e.instrument)
            for name in prepared.holders + [state.liquidation.feeAccount] { resync(name) }
        case .parameters:
            book.rebuild(from: state)
        case .correlations:
            book.correlations = state.correlations
            if state.parameters.correlationMode == .correlated { book.recombineAll() }
        case .health(let h):
            if let a = book.accountSlot[h.account] { book.journaledHealth[Int(a)] = h.to }
        case .book, .liquidationSettings, .clock, .marginCall, .liquidationEnd, .alert:
            break
        case .liquidation, .takeover, .deleverage:
            for name in prepared.touched { resync(name) }
        }
        afterLedgerEvent(event, prepared: prepared)
    }

    private func resync(_ name: String) {
        guard let account = state.accounts[name] else { return }
        let a = book.sync(account: name, account)
        book.noteHealth(a, book.remarginAll(a))
    }
}
