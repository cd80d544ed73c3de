import MarginLedger
import MarginCore

/// What a follow-up loop journaled (``RiskEngine/journalFollowUpsInTurn()``).
struct FollowUpOutcome {
    var events: [EngineEvent] = []
    var healthChanges: [HealthChange] = []
}

/// One committed event as the package's tests observe it (``RiskEngine/observeCommits(checkingInvariants:_:)``):
/// the state and every margin right after it, on the engine's thread.
package struct CommitObservation: Sendable {
    package var sequence: UInt64
    package var event: EngineEvent
    /// Journaled by the engine itself after another event (a follow-up), not submitted.
    package var isFollowUp: Bool
    /// ``EngineCore/checkInvariants()`` right after it, when asked for; else empty.
    package var violations: [String]
    package var state: EngineState
    package var margins: [String: AccountMargin]
}

package typealias CommitObserver = @Sendable (CommitObservation) -> Void

extension RiskEngine {
    /// Follow-ups journaled in one turn at most, checked between slices (nothing planned is dropped); what is still
    /// due then resumes in the next turn (the market loop's, the next event's or ``journalDue()``'s), so a turn's
    /// latency stays bounded whatever a crash leaves to liquidate.
    static let maxFollowUpsPerTurn = 10_000

    /// Sets how liquidation is paced against market data (``FollowUpPacing``); takes effect at the next slice.
    public func setFollowUpPacing(_ pacing: FollowUpPacing) { self.pacing = pacing }

    /// Journals the events the engine owes after a commit (``EngineCore/nextFollowUps(skipping:sliceLimit:)``), in
    /// the same turn, until none is due: each a step of the turn protocol (prepare, then
    /// ``journalStep(_:events:origin:trailer:reportAfter:onPriorityDone:)``), followed by its health changes, and
    /// published as a ``LiquidationNotice`` when it is a liquidation action.
    ///
    /// Liquidation comes in slices of at most ``FollowUpPacing/sliceLimit`` actions (``LiquidationRound``: until
    /// the round's first order, slices end at their first order, so the first order of a breach waits for one
    /// account's step, never for the whole round). Between slices the turn yields when a market tick is pending
    /// or another operation waits for the turn (``yieldsAfterSlice``) and it has spent ``FollowUpPacing/budget``
    /// on follow-ups, or after ``maxFollowUpsPerTurn``: the round resumes at the next turn (``runMarketLoop()`` goes on with it while no tick is pending). The notices of
    /// the actions before the turn's first order (its margin call) are published with it, in one batch
    /// (``publishNotices(_:)``): one wake of the subscribers instead of two before the order goes out.
    ///
    /// The planner's contract: a list is submitted in order; when one of its events is rejected by the engine's
    /// own validation (a planner bug: nothing else runs in between), the rest is dropped and the source asked
    /// again. If nothing of the list was journaled, asking again would give the same list, so that source is
    /// skipped for the rest of the turn (never a spin); it is asked again after the next event. Rejections are
    /// counted (``EngineCounters/followUpRejections``); a storage fault ends the loop (the engine is faulted or
    /// stopped; what is due is proposed again once it is ready).
    func journalFollowUpsInTurn() async -> FollowUpOutcome {
        var out = FollowUpOutcome()
        var skipping: Set<FollowUpSource> = []
        let start = ContinuousClock.now
        // Until an order is journaled in this turn, notices are held (published with it).
        var ordered = false
        // Journaled before the turn's first order, published with it.
        var held: [(event: EngineEvent, sequence: UInt64)] = []
        defer {
            publishNotices(held)
            refreshLedgerStatus()
        }
        var asked = ContinuousClock.now
        while status.isReady, out.events.count < Self.maxFollowUpsPerTurn,
              let due = core.nextFollowUps(skipping: skipping, sliceLimit: pacing.sliceLimit) {
            let planned = ContinuousClock.now
            let slice: SliceOutcome
            switch due.source {
            case .liquidation: slice = await journalSlice(due.events)
            case .correlationTable: slice = await journalOneByOne(due.events)
            }
            let journaled = ContinuousClock.now
            stats.followUps.note(slice.journaled.map(\.event), planning: planned - asked, journaling: journaled - planned)
            asked = journaled
            if slice.journaled.isEmpty, slice.rejected { skipping.insert(due.source) }
            out.events += slice.journaled.map(\.event)
            out.healthChanges += slice.healthChanges
            held += slice.journaled
            if slice.journaled.contains(where: { LiquidationPlanner.isOrder($0.event) }) { ordered = true }
            if ordered {
                publishNotices(held)
                held = []
            }
            if slice.faulted { return out }
            if slice.journaled.count == due.events.count { core.adoptFollowUps(due) }
            if yieldsAfterSlice, ContinuousClock.now - start >= pacing.budget { break }
        }
        return out
    }

    /// What journaling one list of follow-ups came to.
    private struct SliceOutcome {
        /// The events journaled (a prefix of the list), with their sequences.
        var journaled: [(event: EngineEvent, sequence: UInt64)] = []
        var healthChanges: [HealthChange] = []
        /// The engine's own validation refused the event after the journaled ones (the rest was dropped).
        var rejected = false
        /// The append failed for good: nothing of the list is journaled; the engine is faulted or stopped.
        var faulted = false
    }

    /// Journals a liquidation slice in ONE append (one transaction, one fsync): each action validated against the
    /// state the ones before it left (``EngineCore/prepare(_:)``), committed ahead of the append
    /// (``EngineCore/commitAhead(_:mark:)``) with the health changes it causes right after it, in the journal order
    /// a step per action would give; then the append, then counters. Reads wait meanwhile (``untilDurable()``). When
    /// the first attempt fails the slice is rolled back to the last durable state (``EngineCore/rollBack(to:)``)
    /// and committed again, identically, once a retry made it durable; when the engine stops it stays rolled back.
    private func journalSlice(_ events: [EngineEvent]) async -> SliceOutcome {
        var out = SliceOutcome()
        var mark = core.markDurable()
        var steps: [PreparedBatch] = []
        var records: [JournalRecord] = []
        setAheadOfJournal(true)
        for event in events {
            guard let batch = prepareFollowUp(event) else {
                out.rejected = true
                break
            }
            let sequence = core.commitAhead(batch, mark: &mark)[0]
            steps.append(batch)
            records += batch.records
            out.journaled.append((event, sequence))
            if commitObserver != nil { observeCommit(event, sequence: sequence, isFollowUp: true) }
            if let health = core.prepareHealthChanges() {
                core.commitAhead(health, mark: &mark)
                steps.append(health)
                records += health.records
                out.healthChanges += health.healthChanges
            }
        }
        do throws(EngineError) {
            try await makeDurableAhead(records, mark: &mark) { [core] in
                var again = core.markDurable()
                for step in steps { core.commitAhead(step, mark: &again) }
                return again
            }
        } catch {
            count { $0.storageFaults += max(1, out.journaled.count) }
            return SliceOutcome(faulted: true)
        }
        count { $0.followUps += out.journaled.count }
        publish(out.healthChanges)
        watchers.publish(from: core)
        return out
    }

    /// A follow-up validated against the state so far (``EngineCore/prepare(_:)``), or `nil` when the engine's own
    /// validation refuses it (a planner bug, counted in ``EngineCounters/followUpRejections``).
    private func prepareFollowUp(_ event: EngineEvent) -> PreparedBatch? {
        do { return try core.prepare(event) } catch {
            count { $0.followUpRejections += 1 }
            return nil
        }
    }

    /// Journals a list event by event, each a step of the turn protocol
    /// (``journalStep(_:events:origin:trailer:reportAfter:onPriorityDone:)``) followed by its health changes: a
    /// correlation table (one event, rare).
    private func journalOneByOne(_ events: [EngineEvent]) async -> SliceOutcome {
        var out = SliceOutcome()
        for event in events {
            guard status.isReady else { return out }
            guard let batch = prepareFollowUp(event) else {
                out.rejected = true
                return out
            }
            do {
                let sequence = try await journalStep(batch, events: [event], origin: .followUp)[0]
                out.journaled.append((event, sequence))
            } catch {
                out.faulted = true
                return out
            }
            out.healthChanges += await journalHealthInTurn()
        }
        return out
    }

    /// Whether a turn that spent its budget on follow-ups ends at the end of this slice: when a market tick is
    /// pending, another operation waits for the turn (a client write, a submit: their turns go on with what is due,
    /// each after its own event), or the engine is shutting down. A turn nobody waits for goes on (up to
    /// ``maxFollowUpsPerTurn``), so a lone submitter's acknowledgement still carries the round it started.
    var yieldsAfterSlice: Bool { conflator.pendingCount > 0 || othersWaitForTurn || shuttingDown }

    /// Tests: calls `observer` after every committed event (submitted events, each update of a market batch, and
    /// follow-ups; not health events), on the engine's thread, with the state, every margin (O(accounts)) and, when
    /// `checkingInvariants`, ``EngineCore/checkInvariants()`` (O(accounts × positions)) right after it (a market
    /// batch commits at once: its updates are observed with the state after the whole batch); `nil` stops
    /// observing.
    package func observeCommits(checkingInvariants: Bool = true, _ observer: CommitObserver?) {
        commitObserver = observer.map { (checkingInvariants, $0) }
    }

    func observeCommit(_ event: EngineEvent, sequence: UInt64, isFollowUp: Bool) {
        guard let observer = commitObserver else { return }
        observer.body(CommitObservation(sequence: sequence, event: event, isFollowUp: isFollowUp,
                                        violations: observer.checkingInvariants ? core.checkInvariants() : [],
                                        state: core.state, margins: core.margins))
    }

    // MARK: Journal time

    /// Moves the engine's time (``EngineState/time``, journal time: what liquidation rounds count, never the wall
    /// clock) to `time` with a `clock` event, and journals the follow-ups it makes due (a new liquidation round,
    /// a takeover once the books are exhausted). For drivers whose market data may pause (the server, a
    /// simulation): submit it on a timer.
    ///
    /// - Returns: the acknowledgement, or `nil` (nothing journaled) when `time` is not after the engine's time.
    /// - Throws: a storage fault (not acknowledged).
    @discardableResult
    public func advanceClock(to time: Instant) async throws(EngineError) -> Acknowledgement? {
        try await takeSubmitTurn()
        defer { passTurn() }
        guard time > core.state.time else { return nil }
        return try await submitInTurn(.clock(time))
    }
}
