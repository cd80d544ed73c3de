import MarginLedger
import MarginCore

/// One step of a group-commit batch, kept so that the batch can be committed again after a retried append
/// (``RiskEngine/runGatheredBatch(_:)``).
private enum AheadStep {
    case write(PreparedBatch)
    case frontEnd(FrontEndRecord)
    case health(PreparedBatch)
}

/// What one write of a batch came to before the append (sequences and records are final; the acknowledgement
/// waits for durability).
private enum PendingOutcome {
    case accepted(UInt64, FrontEndRecord?)
    case rejected(EngineError, FrontEndRecord?)
    case replayed(FrontEndRecord)
    case refused(FrontEndRefusal)
    case failed(EngineError)
}

// Group commit. Client writes (``ClientWrite``: deposits, withdrawals, trades) from any number of submitters are
// gathered while the engine is busy (an append in flight, another turn), then taken as one batch per turn:
//
//     for each write, in arrival order: kept answer? → check → prepare (validated against the state the writes
//     before it left) → commit ahead of the append → its answer's record
//     → the health changes of the batch → ONE append (one transaction, one fsync) → keep the answers
//     → acknowledge every write of the batch → counters, observers, health changes published → follow-ups
//
// Nothing is acknowledged before the append returns. Reads wait while a batch is committed ahead of its first
// append attempt (``untilDurable()``); when that attempt fails the batch is rolled back at once to the last durable
// state (``EngineCore/rollBack(to:)``: reads during a retry see that state) and committed again, identically, only
// once a retry made it durable.
extension RiskEngine {
    /// Client writes in one group-commit batch at most (bounds the batch's work on the writer and its append).
    public static let maxGatheredWrites = 2_048

    /// Submits client writes (deposits, withdrawals, trades) to be gathered with everyone else's into group-commit
    /// batches, and returns, in order, what each came to once its batch is durable: accepted (with the answer's
    /// record when idempotent), rejected (nothing of it applied), replayed (answered before), or a failure (a
    /// storage fault: not acknowledged; or an event that is not a client write).
    ///
    /// Each write is validated against the state the writes before it (in this call and in the batch) left: a
    /// trade may be refused because of the one before it. More than ``maxGatheredWrites`` writes are split into
    /// consecutive batches.
    public func submitWrites(_ writes: [ClientWrite]) async -> [Result<ClientWriteOutcome, EngineError>] {
        var out: [Result<ClientWriteOutcome, EngineError>] = []
        out.reserveCapacity(writes.count)
        var start = 0
        while start < writes.count {
            let chunk = Array(writes[start..<min(writes.count, start + Self.maxGatheredWrites)])
            start += chunk.count
            do throws(EngineError) { try checkAccepting() } catch {
                out += Array(repeating: .failure(error), count: chunk.count)
                continue
            }
            out += await withCheckedContinuation { waiter in
                gathering.append(WriteGathering.Group(writes: chunk, waiter: waiter))
                if !gathering.draining {
                    gathering.draining = true
                    Task { await self.drainGathered() }
                }
            }
        }
        return out
    }

    /// One gathered write (``submit(_:)`` of a client write): its acknowledgement, or its rejection or fault.
    func submitGathered(_ event: EngineEvent) async throws(EngineError) -> Acknowledgement {
        switch await submitWrites([ClientWrite(event)])[0] {
        case .success(.accepted(let ack, _)): return ack
        case .success(.rejected(let error, _)), .failure(let error): throw error
        case .success(.replayed), .success(.refused):
            preconditionFailure("a write without a front-end answer was replayed or refused by its answer's bounds")
        }
    }

    /// One gathered idempotent write (``submit(_:answering:)`` of a client write).
    func submitGathered(_ event: EngineEvent, answering answer: FrontEndAnswer) async throws(EngineError)
        -> FrontEndOutcome
    {
        switch await submitWrites([ClientWrite(event, answering: answer)])[0] {
        case .success(.accepted(let ack, let record)): return .accepted(ack, record ?? answer.accepted(ack.sequence))
        case .success(.rejected(let error, let record?)): return .rejected(error, record)
        case .success(.rejected(let error, nil)), .failure(let error): throw error
        case .success(.replayed(let record)): return .replayed(record)
        case .success(.refused(let why)): return .refused(why)
        }
    }

    /// Takes batches of the gathered writes, each in a turn of its own, until none waits. Between batches it
    /// yields, so that reads and new writes queued meanwhile run (the next batch gathers them).
    func drainGathered() async {
        while !gathering.isEmpty {
            do throws(EngineError) { try await takeSubmitTurn() } catch {
                refuseGathered(error)
                break
            }
            let groups = gathering.next(maxWrites: Self.maxGatheredWrites)
            await runGatheredBatch(groups)
            passTurn()
            await Task.yield()
        }
        gathering.draining = false
    }

    /// Refuses every gathered write (the engine stopped acknowledging): each gets `error`, counted as a storage fault.
    func refuseGathered(_ error: EngineError) {
        for group in gathering.takeAll() {
            count { $0.storageFaults += group.writes.count }
            group.waiter.resume(returning: Array(repeating: .failure(error), count: group.writes.count))
        }
    }

    /// Makes `records`, a batch committed ahead of its append from `mark` (a group-commit batch, a liquidation
    /// slice), durable (``makeDurable(_:rollingBack:recommitting:)``): when the first attempt fails the engine is
    /// rolled back to `mark` at once (reads during a retry see the last durable state) and, once a retry made the
    /// batch durable, `recommit` commits it again, identically, returning its new mark. Then the batch's front-end
    /// records are kept and reads no longer wait.
    ///
    /// - Throws: the storage fault (the engine stopped): it stays rolled back to `mark`.
    func makeDurableAhead(_ records: [JournalRecord], mark: inout DurableMark,
                          recommit: () -> DurableMark) async throws(EngineError) {
        do throws(EngineError) {
            try await makeDurable(records, rollingBack: { [core, mark] in
                core.rollBack(to: mark)
                setAheadOfJournal(false)
            }, recommitting: { mark = recommit() })
        } catch {
            if aheadOfJournal {
                core.rollBack(to: mark)
                setAheadOfJournal(false)
            }
            throw error
        }
        core.keepDeferred(mark)
        setAheadOfJournal(false)
    }

    /// Waits while a batch is committed ahead of its append: reads see durable state only.
    func untilDurable() async {
        while aheadOfJournal {
            await withCheckedContinuation { durableWaiters.append($0) }
        }
    }

    func setAheadOfJournal(_ ahead: Bool) {
        aheadOfJournal = ahead
        guard !ahead else { return }
        let waiters = durableWaiters
        durableWaiters = []
        for w in waiters { w.resume() }
    }

    /// One batch, in the caller's turn (see the protocol above).
    private func runGatheredBatch(_ groups: [WriteGathering.Group]) async {
        var mark = core.markDurable()
        var steps: [AheadStep] = []
        var records: [JournalRecord] = []
        var pending: [PendingOutcome] = []
        var events: [(EngineEvent, UInt64)] = []
        setAheadOfJournal(true)
        for write in groups.lazy.flatMap(\.writes) {
            pending.append(commitAhead(write, mark: &mark, steps: &steps, records: &records, events: &events))
        }
        // A batch whose every write was answered from its kept record or refused by its answer's bounds journals
        // nothing at all (as such a request's turn): no health changes, no follow-ups.
        let journals = !steps.isEmpty
        let health = journals ? core.prepareHealthChanges() : nil
        if let health {
            core.commitAhead(health, mark: &mark)
            steps.append(.health(health))
            records += health.records
        }
        do throws(EngineError) {
            try await makeDurableAhead(records, mark: &mark) { [core] in
                var again = core.markDurable()
                for step in steps {
                    switch step {
                    case .write(let batch), .health(let batch): core.commitAhead(batch, mark: &again)
                    case .frontEnd(let record): _ = core.reserveFrontEnd(record, mark: &again)
                    }
                }
                return again
            }
        } catch {
            count { $0.storageFaults += max(1, events.count) }
            for group in groups {
                group.waiter.resume(returning: Array(repeating: .failure(error), count: group.writes.count))
            }
            refuseGathered(error)
            return
        }
        count { $0.acknowledged += events.count }
        let changes = health?.healthChanges ?? []
        publish(changes)
        watchers.publish(from: core)
        let followUps = journals ? await journalFollowUpsInTurn() : FollowUpOutcome()
        let ackChanges = changes + followUps.healthChanges
        var i = 0
        for group in groups {
            var results: [Result<ClientWriteOutcome, EngineError>] = []
            results.reserveCapacity(group.writes.count)
            for _ in group.writes {
                switch pending[i] {
                case .accepted(let sequence, let record):
                    let ack = Acknowledgement(sequence: sequence, healthChanges: ackChanges,
                                              followUps: followUps.events)
                    results.append(.success(.accepted(ack, record)))
                case .rejected(let error, let record): results.append(.success(.rejected(error, record)))
                case .replayed(let record): results.append(.success(.replayed(record)))
                case .refused(let why): results.append(.success(.refused(why)))
                case .failed(let error): results.append(.failure(error))
                }
                i += 1
            }
            group.waiter.resume(returning: results)
        }
    }

    /// One write of a batch: its kept answer, or its check, validation against the state so far, commit ahead of
    /// the append and answer's record (rejections counted; a rejection's record journaled in the batch).
    private func commitAhead(_ write: ClientWrite, mark: inout DurableMark, steps: inout [AheadStep],
                             records: inout [JournalRecord], events: inout [(EngineEvent, UInt64)])
        -> PendingOutcome
    {
        let answer = write.answer
        if let answer, let kept = mark.record(kind: answer.kind, id: answer.id)
            ?? core.state.frontEnd.record(kind: answer.kind, id: answer.id) {
            return .replayed(kept)
        }
        // The same bounds as a turn's (``runTurn(_:answer:reportAfter:onPriorityDone:)``): never applied twice,
        // nothing evicted to make room.
        if let answer {
            let records = core.state.frontEnd
            if records.wasForgotten(kind: answer.kind, id: answer.id) { return .refused(.expired) }
            if let time = answer.time, records.isFull(scope: answer.scope, at: time) {
                return .refused(.scopeFull(capacity: FrontEndRecords.capacityPerScope))
            }
        }
        let batch: PreparedBatch
        let accepted: FrontEndRecord?
        do throws(EngineError) {
            guard ClientWrite.isGathered(write.event) else {
                throw EngineError.invalid(field: "type", reason: "\(write.event.kind) is not a client write")
            }
            if let check = answer?.check {
                do throws(EngineError) { try check(core.state.frontEnd) } catch {
                    count { $0.rejected += 1 }
                    throw error
                }
            }
            do { batch = try core.prepare(write.event) } catch {
                count { $0.rejected += 1 }
                throw error
            }
            // The answer is journaled as it is: an envelope the journal could not read back refuses the event.
            accepted = answer?.accepted(batch.lastSequence)
            try accepted?.validate()
        } catch {
            guard let answer else { return .rejected(error, nil) }
            let record = answer.rejected(error)
            do throws(EngineError) { try record.validate() } catch { return .failed(error) }
            records += core.reserveFrontEnd(record, mark: &mark).records
            steps.append(.frontEnd(record))
            return .rejected(error, record)
        }
        let sequence = core.commitAhead(batch, mark: &mark)[0]
        steps.append(.write(batch))
        records += batch.records
        events.append((write.event, sequence))
        if commitObserver != nil { observeCommit(write.event, sequence: sequence, isFollowUp: false) }
        if let accepted {
            records += core.reserveFrontEnd(accepted, mark: &mark).records
            steps.append(.frontEnd(accepted))
        }
        return .accepted(sequence, accepted)
    }
}
