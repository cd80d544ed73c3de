import Foundation
import MarginCore
import MarginLedger

extension RiskEngine {
    /// ``submit(_:)`` answered idempotently for a front end: in the event's turn, a kept record answering the
    /// request (``FrontEndAnswer/kind`` and ``FrontEndAnswer/id``) is returned as it is (nothing applied again,
    /// across restarts: the record is in the journal); otherwise the front end's check runs, the event is
    /// validated and journaled **together with** the acceptance's record in one atomic append (so a crash leaves
    /// both or neither), or, when refused, the rejection's record is journaled alone. A request whose answer was
    /// forgotten, or whose scope is full, is refused with nothing journaled (``FrontEndRefusal``).
    ///
    /// - Throws: a storage fault only (not acknowledged; nothing recorded).
    public func submit(_ event: EngineEvent, answering answer: FrontEndAnswer) async throws(EngineError)
        -> FrontEndOutcome
    {
        if ClientWrite.isGathered(event) { return try await submitGathered(event, answering: answer) }
        try await takeSubmitTurn()
        defer { passTurn() }
        switch try await runTurn(.event(event), answer: answer) {
        case .replayed(let kept): return .replayed(kept)
        case .refused(let why): return .refused(why)
        case .rejected(let error, let record): return .rejected(error, record)
        case .done(let result):
            let ack = Acknowledgement(sequence: result.sequences[0], healthChanges: result.healthChanges,
                                      followUps: result.followUps)
            return .accepted(ack, result.answer ?? answer.accepted(result.sequences[0]))
        }
    }

    /// ``submitMarkets(_:)`` answered idempotently, all or nothing, through the feed's own entry
    /// (``applyMarketsInTurn(request:answer:)``): the updates join the conflated ticks pending now (each merged over
    /// its underlying's pending tick by the conflation rule) in one pass; when any of the request's is refused, none
    /// is applied and the first refusal is answered (the pending ticks stay pending); otherwise the batch and the
    /// record are one atomic append. The acceptance's record is given the batch's last sequence.
    public func submitMarkets(_ updates: [MarketUpdate], answering answer: FrontEndAnswer) async throws(EngineError)
        -> FrontEndOutcome
    {
        try await takeSubmitTurn()
        defer { passTurn() }
        guard let outcome = try await applyMarketsInTurn(request: updates, answer: answer) else {
            preconditionFailure("a market turn with a front-end answer always runs")
        }
        switch outcome {
        case .replayed(let kept): return .replayed(kept)
        case .refused(let why): return .refused(why)
        case .rejected(let error, let record): return .rejected(error, record)
        case .done(let result):
            let last = result.sequences.last ?? core.state.sequence
            let ack = Acknowledgement(sequence: result.sequences.first ?? last, healthChanges: result.healthChanges,
                                      followUps: result.followUps)
            return .accepted(ack, result.answer ?? answer.accepted(last))
        }
    }

    /// The kept front-end record of `kind` and `id`, if any; reads without a turn.
    public func frontEndRecord(kind: String, id: String) -> FrontEndRecord? {
        core.state.frontEnd.record(kind: kind, id: id)
    }

    /// Every kept front-end record (``FrontEndRecords``); reads without a turn.
    public var frontEndRecords: FrontEndRecords { core.state.frontEnd }

    /// Journal records after `sequence` (at most `limit`), read from the store beside the engine (no turn, not on
    /// the engine's thread): e.g. a paginated read of journaled events.
    public nonisolated func journalRecords(after sequence: UInt64, limit: Int) async throws(EngineError)
        -> [JournalRecord]
    {
        try await store.records(after: sequence, limit: limit)
    }
}
