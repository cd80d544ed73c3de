import MarginLedger
import CVectorMath
import Foundation
import MarginCore

/// The engine's state and margin cache, with no I/O: validates events, builds their journal records, and applies
/// them once they are durable.
///
/// The one driver is ``RiskEngine`` (the actor, which owns the journal): for every event it calls
/// ``prepare(_:)`` (validate, build the records; nothing changes), appends the records to the journal, then
/// ``commit(_:reportAfter:onPriorityDone:)`` (apply to the ledger, re-margin, queue health changes), then journals
/// the health changes the same way (``prepareHealthChanges()``). A rejected event (``EngineError``) or a batch
/// whose append fails changes nothing. Not thread-safe by design: one owner calls it; readers take ``state`` (a
/// value, a consistent snapshot). Front ends reach it only through ``RiskEngine``; tests and benchmarks of this
/// package may use it directly.
package final class EngineCore {
    /// The current state (a value: a consistent snapshot when copied).
    package private(set) var state: EngineState
    let book: RiskBook
    /// The bounds on trades' fees and prices (``TradeRules``): configuration, not state (see there).
    package let tradeRules: TradeRules
    /// Called for every committed health change, in journal order.
    package var onHealthChange: ((HealthChange) -> Void)?
    /// Called for every committed liquidation notice (margin call, step, end of a liquidation, takeover,
    /// deleverage fill, alert), in journal order (docs/LIQUIDATION.md).
    package var onLiquidationNotice: ((EngineEvent) -> Void)?
    /// The ledger's per-event invariant check and the pending alert (``LedgerAudit``).
    let ledgerAudit = LedgerAudit()
    /// The liquidation round in progress between slices (``LiquidationRound``; in memory only).
    var liquidationRound: LiquidationRound?

    /// Builds the engine on a recovered `state` (``EngineState/replay(_:)``): computes every margin from it by pure
    /// functions in a fixed order, so margins are bit-identical however the state was reached. `tradeRules` bound
    /// the trades it validates from now on.
    package init(state: EngineState, tradeRules: TradeRules = .default) {
        self.state = state
        self.tradeRules = tradeRules
        book = RiskBook(parameters: state.parameters)
        book.correlations = state.correlations
        book.rebuild(from: state)
    }

    // MARK: Reading

    /// The current margin of `account`, or `nil` if unknown.
    package func margin(of account: String) -> AccountMargin? {
        book.accountSlot[account].map { book.margins[Int($0)] }
    }

    /// Every account's margin, by account name.
    package var margins: [String: AccountMargin] {
        var out: [String: AccountMargin] = [:]
        for (i, name) in book.accountNames.enumerated() { out[name] = book.margins[i] }
        return out
    }

    /// Number of accounts per health state (by computed margin).
    package var healthCounts: [Health: Int] {
        var out: [Health: Int] = [:]
        for m in book.margins { out[m.health, default: 0] += 1 }
        return out
    }

    /// The accounts nearest liquidation for `underlying`, nearest first (the next pass re-margins them first).
    package func priorityAccounts(of underlying: String) -> [String] {
        guard let u = book.underlyingSlot[underlying] else { return [] }
        return book.priority[u].map { book.accountNames[Int($0)] }
    }

    /// Sets how many accounts per underlying are ranked and re-margined first (default 256).
    package func setPriorityCount(_ k: Int) { book.priorityCount = max(0, k) }

    /// Sets how many threads a re-margining pass may use for pricing and the full sweep (clamped to 1...2: the
    /// writer and one helper). Margins are bit-identical for every value; 1 keeps the engine on one core.
    package func setThreads(_ n: Int) { book.threads = min(max(1, n), RiskBook.maxThreads) }

    /// Where the time of the last re-margining pass went (market events only).
    package var lastPass: PassProfile { book.lastPass }

    /// The instruction-set path of the aggregation kernel on this machine: `"avx512"`, `"avx2"` or `"scalar"`.
    package var aggregationInstructionSet: String { String(cString: vm_isa_name(book.isa)) }

    // MARK: Writing

    /// Validates `event` against the current state and builds its journal record; changes nothing.
    ///
    /// - Throws: ``EngineError``: a rejection naming the field and why (or the margin shortfall).
    package func prepare(_ event: EngineEvent) throws(EngineError) -> PreparedBatch {
        book.eventArrival = .now
        if case .market = event { book.primeHelper() }
        let prepared = try validate(event)
        return PreparedBatch(content: .event(event, prepared),
                             records: [JournalRecord(sequence: state.sequence + 1, payload: event.payload)],
                             after: state.sequence)
    }

    /// Validates several market updates of **distinct** underlyings (precondition) and builds one journal batch of
    /// the accepted ones, to be applied in **one** pass (``commit(_:reportAfter:onPriorityDone:)``): each exposed
    /// account is visited once and re-aggregates only the updated underlyings it holds (the conflated feed's case
    /// when BTC and ETH are both pending). Rejected updates are returned in ``PreparedBatch/rejected``.
    package func prepareMarkets(_ updates: [MarketUpdate]) -> PreparedBatch {
        precondition(Set(updates.map(\.underlying)).count == updates.count, "one update per underlying")
        book.eventArrival = .now
        book.primeHelper()
        var accepted: [(MarketUpdate, Prepared)] = []
        var rejected: [(update: MarketUpdate, error: EngineError)] = []
        for m in updates {
            do { accepted.append((m, try validate(.market(m)))) } catch { rejected.append((m, error)) }
        }
        var records: [JournalRecord] = []
        for (k, (m, _)) in accepted.enumerated() {
            records.append(JournalRecord(sequence: state.sequence + UInt64(k + 1), payload: EngineEvent.market(m).payload))
        }
        return PreparedBatch(content: .markets(accepted), records: records, after: state.sequence, rejected: rejected)
    }

    /// The one-record batch of a front-end record (``FrontEndRecord``, validated by itself only: the engine reads
    /// nothing of it) continuing sequence `after`: journaled with the event it answers, or alone.
    package func prepareFrontEnd(_ record: FrontEndRecord, after: UInt64) -> PreparedBatch {
        let event = EngineEvent.frontEnd(record)
        return PreparedBatch(content: .event(event, Prepared()),
                             records: [JournalRecord(sequence: after + 1, payload: event.payload)], after: after)
    }

    /// Takes the health changes queued by the last commits (accounts whose computed health differs from their
    /// journaled one) as one batch of `health` records, or `nil` when there are none. Commit it once durable;
    /// if its append fails, ``requeueHealthChanges(_:)`` puts the changes back (journaled after the next event).
    package func prepareHealthChanges() -> PreparedBatch? {
        let changes = book.takeHealthChanges()
        guard !changes.isEmpty else { return nil }
        var records: [JournalRecord] = []
        var seq = state.sequence
        for c in changes {
            seq += 1
            records.append(JournalRecord(sequence: seq, payload: EngineEvent.health(c).payload))
        }
        return PreparedBatch(content: .health(changes), records: records, after: state.sequence)
    }

    /// Queues the health changes of a batch that could not be journaled again (those still differing).
    package func requeueHealthChanges(_ batch: PreparedBatch) {
        for c in batch.healthChanges {
            if let a = book.accountSlot[c.account] { book.noteHealth(a, book.margins[Int(a)]) }
        }
    }

    /// Applies a prepared batch whose records are durable in the journal: the ledger, then the margin cache
    /// (incremental re-margining; for a market batch one pass nearest-liquidation first), and queues the health
    /// changes it causes. Call on the state it was prepared on (precondition), with nothing committed between.
    ///
    /// - Parameter onPriorityDone: for a market event or batch, called once the `reportAfter` accounts nearest
    ///   liquidation have been re-margined (latency measurement; at once for a batch that was all rejected).
    /// - Returns: the sequences of the applied events.
    @discardableResult
    package func commit(_ batch: PreparedBatch, reportAfter: Int = 100,
                        onPriorityDone: (() -> Void)? = nil) -> [UInt64] {
        precondition(batch.after == state.sequence, "batch prepared at \(batch.after), state at \(state.sequence)")
        switch batch.content {
        case .event(let event, let prepared):
            state.apply(event)
            state.sequence += 1
            update(after: event, prepared: prepared, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
            return [state.sequence]
        case .markets(let accepted):
            guard !accepted.isEmpty else { onPriorityDone?(); return [] }
            var sequences: [UInt64] = []
            var us: [Int] = []
            for (m, prepared) in accepted {
                state.apply(.market(m))
                state.sequence += 1
                sequences.append(state.sequence)
                let u = book.addUnderlying(m.underlying)
                book.setMarket(u, market: prepared.market)
                us.append(u)
            }
            book.remarginUnderlyings(us, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
            return sequences
        case .health(let changes):
            var sequences: [UInt64] = []
            for c in changes {
                state.apply(.health(c))
                state.sequence += 1
                sequences.append(state.sequence)
                if let a = book.accountSlot[c.account] { book.journaledHealth[Int(a)] = c.to }
                onHealthChange?(c)
            }
            return sequences
        }
    }

    // MARK: Group commit

    /// Starts a batch committed ahead of its append (group commit, a liquidation slice) on the state as it is now
    /// (the last durable one): what ``rollBack(to:)`` needs.
    package func markDurable() -> DurableMark {
        DurableMark(sequence: state.sequence, deposits: state.deposits, withdrawals: state.withdrawals,
                    liquidationHalt: state.liquidationHalt, audit: ledgerAudit.snapshot)
    }

    /// Commits a prepared client write (``ClientWrite/isGathered(_:)``: a deposit, withdrawal or trade), a
    /// liquidation action (``EngineEvent/isLiquidationAction``: a slice's) or a health batch **ahead of its
    /// append**, so that the next event of the batch is validated against the state it leaves; the pre-images of
    /// what it changes go to `mark` (``DurableMark/note(liquidationAction:footprint:in:)``). The caller appends the batch's records, then keeps
    /// (``keepDeferred(_:)``) or rolls back (``rollBack(to:)``).
    ///
    /// - Returns: the sequences of the applied events.
    @discardableResult
    package func commitAhead(_ batch: PreparedBatch, mark: inout DurableMark) -> [UInt64] {
        switch batch.content {
        case .event(let event, let prepared):
            if ClientWrite.isGathered(event) {
                for name in mark.accountsChanged(by: event, feeAccount: state.liquidation.feeAccount) {
                    mark.note(name, state.accounts[name])
                }
            } else {
                precondition(event.isLiquidationAction,
                             "only client writes and liquidation actions are committed ahead of their append")
                mark.note(liquidationAction: event, footprint: prepared.footprint, in: state)
            }
        case .health(let changes):
            for c in changes { mark.note(c.account, state.accounts[c.account]) }
        case .markets:
            preconditionFailure("market batches are committed after their append")
        }
        return commit(batch)
    }

    /// Reserves the next sequence for a front-end record journaled in a group-commit batch and returns its batch:
    /// the record is kept in ``EngineState/frontEnd`` only once durable (``keepDeferred(_:)``), so nothing reads an
    /// answer before its append.
    package func reserveFrontEnd(_ record: FrontEndRecord, mark: inout DurableMark) -> PreparedBatch {
        let batch = prepareFrontEnd(record, after: state.sequence)
        state.sequence += 1
        mark.keep(record)
        return batch
    }

    /// The batch is durable: keeps its front-end records, in journal order.
    package func keepDeferred(_ mark: DurableMark) {
        for record in mark.frontEnd { state.frontEnd.apply(record) }
    }

    /// The batch's append failed for good: back to the last durable state, exactly. The accounts' pre-images, the
    /// sequence and the deposit and withdrawal sums are restored, and every margin is derived again from that state
    /// (``RiskBook/rebuild(from:)``: O(accounts), but only when the engine stops on a storage fault), so margins
    /// and the health queue are those of the durable state, bit for bit.
    package func rollBack(to mark: DurableMark) {
        for (name, account) in mark.accounts { state.accounts[name] = account }
        for (name, episode) in mark.liquidations { state.liquidations[name] = episode }
        for (id, orders) in mark.books { state.books[id] = orders }
        state.sequence = mark.sequence
        state.deposits = mark.deposits
        state.withdrawals = mark.withdrawals
        state.liquidationHalt = mark.liquidationHalt
        ledgerAudit.restore(mark.audit)
        // A round is planned on the journaled state: the next ask begins a new one on the durable state.
        liquidationRound = nil
        book.rebuild(from: state)
    }

    private func update(after event: EngineEvent, prepared: Prepared, reportAfter: Int,
                        onPriorityDone: (() -> Void)?) {
        switch event {
        case .deposit(let t), .withdrawal(let t):
            resync(t.account, changing: [])
        case .trade(let t):
            for name in [t.buyer, t.seller, state.liquidation.feeAccount] { resync(name, changing: [t.instrument]) }
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
        case .crossRate, .correlationPolicy, .frontEnd:
            break  // no margin reads them: they feed the dynamic table (``pendingCorrelationUpdate()``)
        case .book, .liquidationSettings, .clock, .marginCall, .liquidationEnd, .alert:
            break
        case .liquidation(let step):
            for name in prepared.touched { resync(name, changing: [step.instrument]) }
        case .takeover, .deleverage:
            // Each account re-synced by the positions the action changed (a backstop or the fund holds thousands:
            // converting them all again per takeover was most of its commit); the account taken over entirely.
            let changes = LiquidationPlanner.ledgerChanges(event)
            for name in prepared.touched { resync(name, changing: changes[name] ?? []) }
        }
        afterLedgerEvent(event, prepared: prepared)
    }

    /// Syncs account `name`'s ledger into the book (``RiskBook/sync(account:_:changing:)``: `changing`, the
    /// instruments the event traded, when it changed no other position) and re-margins it.
    private func resync(_ name: String, changing: [String]? = nil) {
        guard let account = state.accounts[name] else { return }
        let a = book.sync(account: name, account, changing: changing)
        assert(changing == nil || LiquidationPlanner.sameSlots(
            book.positions(of: Int(a)).map { (book.instrumentIds[Int($0.instrument)], $0) },
            book.orderedSlots(of: account)), "\(name)'s patched slots differ from its ledger's conversion")
        book.noteHealth(a, book.remarginAll(a))
    }
}
