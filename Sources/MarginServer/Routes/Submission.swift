import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// What a write answers, derived from its request record alone (so a retry, even after a restart, answers the
/// same): the status, and `{"sequence": N}` plus what `extra` derives from the record, or the rejection.
struct WriteAnswer: Sendable {
    var acceptedStatus: HTTPResponse.Status = .ok
    /// Opaque data journaled with an accepted request (a created key, sealed).
    var detail: String?
    /// Extra fields of the accepted answer, from the record.
    var extra: @Sendable (RequestRecord) -> [(String, JSONValue)] = { _ in [] }
}

extension MarginServer {
    /// Submits a write through ``RiskEngine/submit(_:answering:)`` under its `Idempotency-Key` (required: a write
    /// without one is a 400 and changes nothing), so that a retry (same API key, same key) returns the first answer
    /// and applies nothing again — a different method, path or body under the same key is a 422. `check` runs in
    /// the engine's turn on the kept records (a refusal is answered and recorded like a rejection).
    func write(_ event: EngineEvent, request: Request, context: Context, answer: WriteAnswer = WriteAnswer(),
               check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)? = nil) async throws -> Response
    {
        let engine = try readyEngine()
        let caller = try context.caller
        let pending = try pendingRequest(request, context: context, caller: caller, answer: answer)
        let outcome: FrontEndOutcome
        do { outcome = try await engine.submit(event, answering: pending.answer(check: check)) } catch {
            throw APIError.engine(error)
        }
        return try answerOutcome(outcome, pending: pending, answer: answer)
    }

    /// ``write(_:request:context:answer:)`` for market updates (one batch, all or nothing).
    func writeMarkets(_ updates: [MarketUpdate], request: Request, context: Context) async throws -> Response {
        let engine = try readyEngine()
        let caller = try context.caller
        let pending = try pendingRequest(request, context: context, caller: caller, answer: WriteAnswer())
        let outcome: FrontEndOutcome
        do { outcome = try await engine.submitMarkets(updates, answering: pending.answer()) } catch {
            throw APIError.engine(error)
        }
        return try answerOutcome(outcome, pending: pending, answer: WriteAnswer())
    }

    private func answerOutcome(_ outcome: FrontEndOutcome, pending: PendingRequest, answer: WriteAnswer) throws
        -> Response
    {
        if case .refused(let why) = outcome { throw Self.refusal(why, key: pending.key) }
        let record: RequestRecord
        do { record = try RequestRecord(body: outcome.record?.body ?? "") } catch {
            throw APIError(.internalServerError, "internal", "the request's journaled answer does not decode: \(error)")
        }
        if case .replayed = outcome {
            guard record.fingerprint == pending.fingerprint else {
                throw APIError(.unprocessableContent, "idempotency_key_reused",
                               "Idempotency-Key \"\(pending.key)\" was used for another request (method, path or body)")
            }
            return respond(record, answer: answer, replayed: true)
        }
        return respond(record, answer: answer, replayed: false)
    }

    /// What a request refused before it was recorded answers: 422 `idempotency_key_expired` for a key whose answer
    /// was forgotten after its retention (the request is not applied again), 429 `idempotency_window_full` when the
    /// API key holds ``FrontEndRecords/capacityPerScope`` answers younger than the retention.
    static func refusal(_ why: FrontEndRefusal, key: String) -> APIError {
        switch why {
        case .expired:
            return APIError(.unprocessableContent, "idempotency_key_expired",
                            "Idempotency-Key \"\(key)\" was answered more than \(RequestRecord.retention / 3_600) hours "
                                + "ago and its answer is no longer kept: the request is not applied again; use a new key",
                            field: "Idempotency-Key")
        case .scopeFull(let capacity):
            return APIError(.tooManyRequests, "idempotency_window_full",
                            "this API key holds \(capacity) idempotent answers younger than "
                                + "\(RequestRecord.retention / 3_600) hours: new writes are refused until the oldest expire",
                            headers: [.retryAfter: "60"])
        }
    }

    /// The pending request of a write: its `Idempotency-Key` (required, 1–255 printable ASCII characters) and the
    /// fingerprint of its method, path and body.
    private func pendingRequest(_ request: Request, context: Context, caller: Principal, answer: WriteAnswer) throws
        -> PendingRequest
    {
        guard let key = request.headers[.idempotencyKey] else {
            throw APIError(.badRequest, "invalid_request",
                           "Idempotency-Key is required on writes (1–255 printable ASCII characters)",
                           field: "Idempotency-Key")
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw APIError(.badRequest, "invalid_request", "Idempotency-Key must be 1–255 printable ASCII characters",
                           field: "Idempotency-Key")
        }
        var hash = SHA256()
        hash.update(data: Array("\(request.method.rawValue)\n\(request.uri.path)\n".utf8))
        hash.update(data: context.bodyBytes)
        return PendingRequest(scope: caller.keyID, key: key, fingerprint: Hex.encode(Array(hash.finalize())),
                              time: Self.now(), acceptedStatus: Int(answer.acceptedStatus.code), detail: answer.detail)
    }

    /// The answer a record gives (the first time and on every retry).
    func respond(_ record: RequestRecord, answer: WriteAnswer, replayed: Bool) -> Response {
        let status = HTTPResponse.Status(code: record.status)
        var response: Response
        if let error = record.error {
            let code = status == .serviceUnavailable ? "unavailable" : "rejected"
            response = JSONResponse.make(.object([("error", .string(code)), ("message", .string(error))]), status: status)
        } else {
            var pairs: [(String, JSONValue)] = []
            if let sequence = record.sequence { pairs.append(("sequence", .double(Double(sequence)))) }
            pairs += answer.extra(record)
            response = JSONResponse.make(.object(pairs), status: status)
        }
        if replayed { response.headers[.idempotentReplayed] = "true" }
        return response
    }

    static func now() -> Instant {
        Instant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9))
    }
}

/// An idempotent write as the service hands it to the engine: who sent it (`scope`, an API key id), its
/// `Idempotency-Key`, a fingerprint of what it asked, and what its answers record.
struct PendingRequest: Sendable {
    var scope: String
    var key: String
    var fingerprint: String
    /// Wall-clock time of the request (retention: ``RequestRecord/retention``).
    var time: Instant
    /// The status recorded when the event is accepted.
    var acceptedStatus: Int
    /// Sealed data recorded with an accepted request (a created key).
    var detail: String?

    /// The engine's view: the kept answer to look up (kind `request`, the scope's key) and the records answering
    /// an acceptance or a rejection (its status from ``APIError/status(of:)``).
    func answer(check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)? = nil) -> FrontEndAnswer {
        let pending = self
        return FrontEndAnswer(
            kind: ServiceRecords.request, id: FrontEndRecord.requestID(scope: scope, key: key), scope: scope,
            time: time, check: check,
            accepted: { sequence in
                pending.record(status: pending.acceptedStatus, sequence: sequence, detail: pending.detail)
                    .frontEndRecord
            },
            rejected: { error in
                pending.record(status: APIError.status(of: error), error: error.description).frontEndRecord
            })
    }

    func record(status: Int, sequence: UInt64? = nil, error: String? = nil, detail: String? = nil) -> RequestRecord {
        RequestRecord(scope: scope, key: key, fingerprint: fingerprint, status: status, sequence: sequence,
                      error: error, detail: detail, time: time)
    }
}
