import MarginCore
import MarginLedger

/// What a turn journals first: one submitted event, or market updates of distinct underlyings (one pass).
enum TurnInput {
    case event(EngineEvent)
    /// `required`: the underlyings whose updates must all be accepted, or the batch is refused (an idempotent
    /// request's); the others' refused updates are reported and the rest applied (the conflated feed's).
    case markets([MarketUpdate], required: Set<String>)

    /// The events the input journals, as committed (a market batch's accepted updates).
    func events(accepted batch: PreparedBatch) -> [EngineEvent] {
        switch self {
        case .event(let e): return [e]
        case .markets(let updates, _):
            let rejected = Set(batch.rejected.map(\.update.underlying))
            return updates.filter { !rejected.contains($0.underlying) }.map(EngineEvent.market)
        }
    }
}

/// What a turn journaled (``RiskEngine/runTurn(_:answer:reportAfter:onPriorityDone:)``).
struct TurnResult {
    /// The sequences of the submitted events (a batch's accepted updates), in order.
    var sequences: [UInt64] = []
    /// Market updates refused by validation (a batch that is not all-or-nothing).
    var rejected: [(update: MarketUpdate, error: EngineError)] = []
    /// Health changes the turn journaled, its follow-ups' included.
    var healthChanges: [HealthChange] = []
    /// The events the engine journaled itself after the input (follow-ups).
    var followUps: [EngineEvent] = []
    /// The front end's answer journaled with the input.
    var answer: FrontEndRecord?
    /// When the input was committed (a market batch: every affected account re-margined), before its health
    /// changes and follow-ups: where a tick's staleness ends (``RiskEngine/MarketStats/staleness``).
    var committed: ContinuousClock.Instant?
}

/// Whether a turn's step was submitted or journaled by the engine itself (counted apart).
enum StepOrigin {
    case submitted
    case followUp
}

// The one turn protocol. Every submitted event, market batch and follow-up takes this path, in the caller's turn
// (``RiskEngine/takeSubmitTurn()``):
//
//     prepare → make durable (one append, the front end's record with it) → commit → counters → notices
//             → observers → health changes → follow-ups (each a step of its own, then its health changes)
//
// Preparing changes nothing, so a rejection or a failed append leaves the engine exactly at the last durable state.
extension RiskEngine {
    /// Runs one turn for `input`: the front end's kept answer when there is one (nothing applied), else prepare,
    /// journal and commit it (``journalStep(_:events:origin:trailer:reportAfter:onPriorityDone:)``), publish its
    /// notices, then journal the health changes and the follow-ups it makes due.
    ///
    /// - Returns: `.replayed` (only with an `answer`), `.refused` (with an `answer` forgotten since it was
    ///   answered, or whose scope is full: nothing journaled), `.rejected` (with an `answer`: its record journaled
    ///   alone), or the result.
    /// - Throws: a rejection (without an `answer`), or a storage fault (nothing acknowledged).
    func runTurn(_ input: TurnInput, answer: FrontEndAnswer? = nil, reportAfter: Int = 100,
                 onPriorityDone: (() -> Void)? = nil) async throws(EngineError) -> TurnOutcome {
        if let answer {
            let records = core.state.frontEnd
            if let kept = records.record(kind: answer.kind, id: answer.id) { return .replayed(kept) }
            if records.wasForgotten(kind: answer.kind, id: answer.id) { return .refused(.expired) }
            if let time = answer.time, records.isFull(scope: answer.scope, at: time) {
                return .refused(.scopeFull(capacity: FrontEndRecords.capacityPerScope))
            }
        }
        let batch: PreparedBatch
        var result = TurnResult()
        do throws(EngineError) {
            if let check = answer?.check {
                do throws(EngineError) { try check(core.state.frontEnd) } catch {
                    count { $0.rejected += 1 }
                    throw error
                }
            }
            batch = try prepare(input)
            // The answer is journaled as it is: an envelope the journal could not read back refuses the event.
            result.answer = answer?.accepted(batch.lastSequence)
            try result.answer?.validate()
        } catch {
            guard let answer else { throw error }
            let record = answer.rejected(error)
            try record.validate()
            try await journalStep(PreparedBatch.empty(after: core.state.sequence), events: [], origin: .submitted,
                                  trailer: record)
            return .rejected(error, record)
        }
        result.rejected = batch.rejected
        let events = input.events(accepted: batch)
        result.sequences = try await journalStep(batch, events: events, origin: .submitted, trailer: result.answer,
                                                 reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        result.committed = .now
        publishNotices(Array(zip(events, result.sequences)))
        result.healthChanges = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        result.healthChanges += followUps.healthChanges
        result.followUps = followUps.events
        return .done(result)
    }

    /// Validates the input (``EngineCore/prepare(_:)``, ``EngineCore/prepareMarkets(_:)``), counting rejections.
    private func prepare(_ input: TurnInput) throws(EngineError) -> PreparedBatch {
        switch input {
        case .event(let event):
            do { return try core.prepare(event) } catch {
                count { $0.rejected += 1 }
                throw error
            }
        case .markets(let updates, let required):
            guard Set(updates.map(\.underlying)).count == updates.count else {
                count { $0.rejected += 1 }
                throw EngineError.invalid(field: "underlyings", reason: "one update per underlying")
            }
            let batch = core.prepareMarkets(updates)
            count { $0.rejected += batch.rejected.count }
            if let first = batch.rejected.first(where: { required.contains($0.update.underlying) }) { throw first.error }
            return batch
        }
    }

    /// One step of a turn: makes `batch` durable, with `trailer` (the front end's record) in the same append, then
    /// commits both, counts the events (acknowledged or follow-ups; storage faults when the append fails) and hands
    /// them to the test observer. Notices are the caller's (a follow-up's are held until the turn's first order).
    ///
    /// - Returns: the sequences of `batch`'s events.
    /// - Throws: a storage fault: nothing committed (the engine is faulted or stopped: ``makeDurable(_:)``).
    @discardableResult
    func journalStep(_ batch: PreparedBatch, events: [EngineEvent], origin: StepOrigin,
                     trailer: FrontEndRecord? = nil, reportAfter: Int = 100,
                     onPriorityDone: (() -> Void)? = nil) async throws(EngineError) -> [UInt64] {
        let trailerBatch = trailer.map { core.prepareFrontEnd($0, after: batch.lastSequence) }
        do {
            try await makeDurable(batch.records + (trailerBatch?.records ?? []))
        } catch {
            count { $0.storageFaults += max(1, events.count) }
            throw error
        }
        let sequences = core.commit(batch, reportAfter: reportAfter, onPriorityDone: onPriorityDone)
        if let trailerBatch { core.commit(trailerBatch) }
        assert(sequences.count == batch.records.count, "a step committed other than it journaled")
        switch origin {
        case .submitted: count { $0.acknowledged += sequences.count }
        case .followUp: count { $0.followUps += sequences.count }
        }
        if commitObserver != nil {
            for (event, sequence) in zip(events, sequences) {
                observeCommit(event, sequence: sequence, isFollowUp: origin == .followUp)
            }
        }
        return sequences
    }
}

/// What ``RiskEngine/runTurn(_:answer:reportAfter:onPriorityDone:)`` did.
enum TurnOutcome {
    case replayed(FrontEndRecord)
    case refused(FrontEndRefusal)
    case rejected(EngineError, FrontEndRecord)
    case done(TurnResult)
}

extension TurnOutcome {
    /// The result of a turn run without a front-end answer (which is never replayed, and throws its rejection).
    var result: TurnResult {
        guard case .done(let result) = self else {
            preconditionFailure("a turn without a front-end answer was replayed or answered a rejection")
        }
        return result
    }
}
