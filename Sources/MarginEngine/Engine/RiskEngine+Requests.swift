import Foundation
import MarginCore

/// An idempotent request as a front end hands it to the engine: who sent it (`scope`, an API key id), its
/// `Idempotency-Key`, a fingerprint of what it asked, and the statuses to record.
public struct PendingRequest: Sendable {
    public var scope: String
    public var key: String
    public var fingerprint: String
    /// Wall-clock time of the request (retention, ``ServiceState/retention``).
    public var time: Instant
    /// The status recorded when the event is accepted.
    public var acceptedStatus: Int
    /// Opaque data recorded with an accepted request (e.g. a created key, sealed by the front end).
    public var detail: String?
    /// The status recorded for a rejection.
    public var rejectionStatus: @Sendable (EngineError) -> Int

    public init(scope: String, key: String, fingerprint: String, time: Instant, acceptedStatus: Int,
                detail: String? = nil, rejectionStatus: @escaping @Sendable (EngineError) -> Int) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.time = time
        self.acceptedStatus = acceptedStatus
        self.detail = detail
        self.rejectionStatus = rejectionStatus
    }

    func record(status: Int, sequence: UInt64? = nil, error: String? = nil, detail: String? = nil) -> RequestRecord {
        RequestRecord(scope: scope, key: key, fingerprint: fingerprint, status: status, sequence: sequence,
                      error: error, detail: detail, time: time)
    }
}

/// What an idempotent submit did.
public enum RequestOutcome: Sendable {
    /// A request with the same scope and key was answered before: its record (the caller compares fingerprints).
    /// Nothing was applied.
    case replayed(RequestRecord)
    /// Applied now; the record was journaled in the same atomic append as the event.
    case accepted(Acknowledgement, RequestRecord)
    /// Refused by validation: nothing applied; the rejection's record was journaled (a retry gets it back).
    case rejected(EngineError, RequestRecord)

    /// The record answering the request.
    public var record: RequestRecord {
        switch self {
        case .replayed(let r), .accepted(_, let r), .rejected(_, let r): return r
        }
    }
}

extension RiskEngine {
    /// ``submit(_:)`` for an idempotent request: in the event's turn, an answer already recorded for the request's
    /// scope and key is returned as it is (nothing applied again, across restarts: the record is in the journal);
    /// otherwise the event is validated and journaled **together with** its request record in one atomic append
    /// (so a crash leaves both or neither), or, when refused, a rejection record is journaled alone.
    ///
    /// - Throws: a storage fault only (not acknowledged; nothing recorded).
    public func submit(_ event: EngineEvent, answering request: PendingRequest) async throws(EngineError)
        -> RequestOutcome
    {
        try await takeSubmitTurn()
        defer { passTurn() }
        let id = RequestID(scope: request.scope, key: request.key)
        if let recorded = core.state.service.request(id) { return .replayed(recorded) }
        let batch: PreparedBatch
        do {
            batch = try core.prepare(event)
        } catch {
            count { $0.rejected += 1 }
            return try await recordRejection(error, request)
        }
        let record = request.record(status: request.acceptedStatus, sequence: batch.lastSequence,
                                    detail: request.detail)
        let trailer = requestBatch(record, after: batch.lastSequence)
        do {
            try await makeDurable(batch.records + trailer.records)
        } catch {
            count { $0.storageFaults += 1 }
            throw error
        }
        let sequences = core.commit(batch)
        core.commit(trailer)
        count { $0.acknowledged += 1 }
        publishNotice(of: event, sequence: sequences[0])
        observeCommit(event, sequence: sequences[0], isFollowUp: false)
        var changes = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        changes += followUps.healthChanges
        return .accepted(Acknowledgement(sequence: sequences[0], healthChanges: changes, followUps: followUps.events),
                         record)
    }

    /// ``submitMarkets(_:)`` for an idempotent request, all or nothing: when any update is refused, none is applied
    /// and the first refusal is recorded; otherwise the batch and its record are one atomic append and one pass.
    /// The accepted record's `sequence` is the batch's last.
    public func submitMarkets(_ updates: [MarketUpdate], answering request: PendingRequest) async throws(EngineError)
        -> RequestOutcome
    {
        try await takeSubmitTurn()
        defer { passTurn() }
        let id = RequestID(scope: request.scope, key: request.key)
        if let recorded = core.state.service.request(id) { return .replayed(recorded) }
        if Set(updates.map(\.underlying)).count != updates.count {
            let error = EngineError.invalid(field: "underlyings", reason: "one update per underlying")
            count { $0.rejected += 1 }
            return try await recordRejection(error, request)
        }
        let batch = core.prepareMarkets(updates)
        if let first = batch.rejected.first {
            count { $0.rejected += batch.rejected.count }
            return try await recordRejection(first.error, request)
        }
        let record = request.record(status: request.acceptedStatus, sequence: batch.lastSequence,
                                    detail: request.detail)
        let trailer = requestBatch(record, after: batch.lastSequence)
        do {
            try await makeDurable(batch.records + trailer.records)
        } catch {
            count { $0.storageFaults += batch.records.count }
            throw error
        }
        let sequences = core.commit(batch)
        core.commit(trailer)
        count { $0.acknowledged += sequences.count }
        if commitObserver != nil {
            for (m, sequence) in zip(updates, sequences) { observeCommit(.market(m), sequence: sequence, isFollowUp: false) }
        }
        var changes = await journalHealthInTurn()
        let followUps = await journalFollowUpsInTurn()
        changes += followUps.healthChanges
        return .accepted(Acknowledgement(sequence: sequences.first ?? batch.lastSequence, healthChanges: changes,
                                         followUps: followUps.events), record)
    }

    /// The record of a request, if one is kept (``ServiceState``); reads without a turn.
    public func requestRecord(scope: String, key: String) -> RequestRecord? {
        core.state.service.request(RequestID(scope: scope, key: key))
    }

    /// Journals the record of a refused request alone (in the caller's turn).
    private func recordRejection(_ error: EngineError, _ request: PendingRequest) async throws(EngineError)
        -> RequestOutcome
    {
        let record = request.record(status: request.rejectionStatus(error), error: error.description)
        let trailer = requestBatch(record, after: core.state.sequence)
        do {
            try await makeDurable(trailer.records)
        } catch {
            count { $0.storageFaults += 1 }
            throw error
        }
        core.commit(trailer)
        return .rejected(error, record)
    }

    /// The one-record batch of a request record continuing sequence `after` (built here, not by
    /// ``EngineCore/prepare(_:)``, which refuses request records from anyone else).
    private func requestBatch(_ record: RequestRecord, after: UInt64) -> PreparedBatch {
        let event = EngineEvent.service(.request(record))
        return PreparedBatch(content: .event(event, Prepared()),
                             records: [JournalRecord(sequence: after + 1, payload: event.payload)], after: after)
    }

    /// Journal records after `sequence` (at most `limit`), read from the store beside the engine (no turn, not on
    /// the engine's thread): e.g. a paginated read of journaled events.
    public nonisolated func journalRecords(after sequence: UInt64, limit: Int) async throws(EngineError)
        -> [JournalRecord]
    {
        try await store.records(after: sequence, limit: limit)
    }
}
