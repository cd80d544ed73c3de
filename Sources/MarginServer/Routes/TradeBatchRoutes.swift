import Crypto
import Foundation
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

extension MarginServer {
    /// Trades in one request at most (`POST /v1/trades/batch`).
    static let maxBatchTrades = 1_000

    /// `POST /v1/trades/batch`: up to ``maxBatchTrades`` trades, each with its own `id`, gathered with every other
    /// client write into the engine's group-commit batches (``RiskEngine/submitWrites(_:)``) and answered per trade
    /// once durable, in order. Idempotent by trade id (per API key): a trade whose id was answered before is
    /// answered as it was (`replayed: true`), nothing applied again; the same id with another trade is a per-trade
    /// 422 `idempotency_key_reused`. A malformed trade is a 400 naming its path, and nothing of the request is
    /// submitted; the engine's rejections are per trade (422, nothing of that trade applied).
    func addTradeBatchRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.post, "/v1/trades/batch", scope: .tradeReadWrite, body: .tradeBatch)) {
            [self] _, context, body in
            let engine = try readyEngine()
            let caller = try context.caller
            let nodes = try StrictBody.decode { () throws(InputError) in try body.node.required("trades").array() }
            guard (1...Self.maxBatchTrades).contains(nodes.count) else {
                throw APIError(.badRequest, "invalid_request", "$.trades: 1 to \(Self.maxBatchTrades) trades",
                               field: "$.trades")
            }
            let trades = try nodes.map { node throws(APIError) in try Self.identifiedTrade(node) }
            let items = try await Self.submitTrades(trades, caller: caller, engine: engine)
            return JSONResponse.make(.object([("results", .array(items))]))
        }
    }

    /// Submits identified trades (a batch's, an ingest stream's) through the engine's group commit, each answered
    /// idempotently by its id under the caller's key, and returns each one's result (``tradeResult(_:_:pending:)``)
    /// in order, once durable.
    ///
    /// - Throws: a 503 when the engine did not acknowledge (a storage fault: nothing of them acknowledged).
    static func submitTrades(_ trades: [(id: String, event: EngineEvent)], caller: Principal,
                             engine: RiskEngine) async throws -> [JSONValue] {
        let time = now()
        let pending = trades.map { t in
            PendingRequest(scope: caller.keyID, key: "trade:\(t.id)", fingerprint: fingerprint(of: t.event),
                           time: time, acceptedStatus: 200, detail: nil)
        }
        let writes = zip(trades, pending).map { ClientWrite($0.event, answering: $1.answer()) }
        let results = await engine.submitWrites(writes)
        var items: [JSONValue] = []
        items.reserveCapacity(trades.count)
        for ((trade, request), result) in zip(zip(trades, pending), results) {
            switch result {
            case .success(let outcome): items.append(try tradeResult(trade.id, outcome, pending: request))
            case .failure(let error): throw APIError.engine(error)
            }
        }
        return items
    }

    /// A trade of a batch: its `id` (1–255 printable ASCII characters) and the event, read exactly as
    /// `POST /v1/trades` reads its body (``engineEvent(_:type:required:defaults:)``).
    static func identifiedTrade(_ node: JSONNode) throws(APIError) -> (id: String, event: EngineEvent) {
        guard case .object(let pairs) = node.value else {
            throw APIError(.badRequest, "invalid_request", "\(node.path): an object is required", field: node.path)
        }
        guard let idValue = pairs.first(where: { $0.key == "id" })?.value else {
            throw APIError(.badRequest, "invalid_request", "\(node.path).id: missing", field: "\(node.path).id")
        }
        guard case .string(let id) = idValue, (1...255).contains(id.utf8.count),
              id.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw APIError(.badRequest, "invalid_request", "\(node.path).id: 1–255 printable ASCII characters",
                           field: "\(node.path).id")
        }
        let trade = JSONNode(.object(pairs.filter { $0.key != "id" }), path: node.path)
        return (id, try engineEvent(CheckedBody(node: trade, shape: .trade), type: "trade", defaults: tradeDefaults))
    }

    /// What an idempotent trade is recognised by: the hex SHA-256 of its canonical journal payload.
    static func fingerprint(of event: EngineEvent) -> String {
        var hash = SHA256()
        hash.update(data: Array("trade\n\(event.payload)".utf8))
        return Hex.encode(Array(hash.finalize()))
    }

    /// One trade's result: `{"id", "status", "sequence"}` accepted, `{"id", "status", "error", "message"}`
    /// refused, with `"replayed": true` when answered before.
    static func tradeResult(_ id: String, _ outcome: ClientWriteOutcome, pending: PendingRequest) throws -> JSONValue {
        var replayed = false
        let frontEnd: FrontEndRecord
        switch outcome {
        case .refused(let why):
            let error = MarginServer.refusal(why, key: id)
            return .object([("id", .string(id)), ("status", .double(Double(error.status.code))),
                            ("error", .string(error.code)), ("message", .string(error.message))])
        case .accepted(let ack, let record): frontEnd = record ?? pending.record(status: 200, sequence: ack.sequence).frontEndRecord
        case .rejected(let error, let record):
            frontEnd = record ?? pending.record(status: APIError.status(of: error), error: error.description).frontEndRecord
        case .replayed(let record):
            frontEnd = record
            replayed = true
        }
        let record: RequestRecord
        do { record = try RequestRecord(body: frontEnd.body) } catch {
            throw APIError(.internalServerError, "internal", "the trade's journaled answer does not decode: \(error)")
        }
        var pairs: [(String, JSONValue)] = [("id", .string(id))]
        if replayed, record.fingerprint != pending.fingerprint {
            pairs += [("status", .double(422)), ("error", .string("idempotency_key_reused")),
                      ("message", .string("trade id \"\(id)\" was used for another trade"))]
            return .object(pairs)
        }
        pairs.append(("status", .double(Double(record.status))))
        if let sequence = record.sequence { pairs.append(("sequence", .double(Double(sequence)))) }
        if let error = record.error { pairs += [("error", .string("rejected")), ("message", .string(error))] }
        if replayed { pairs.append(("replayed", .bool(true))) }
        return .object(pairs)
    }
}
