import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import MarginCore
import MarginEngine
import MarginLedger
import NIOCore
import NIOWebSocket

extension MarginServer {
    /// `GET /v1/ingest` (WebSocket; scope trade:read_write: trader and admin): a matching engine's fills in, their
    /// acknowledgements out once durable. Each text message is one trade (`POST /v1/trades/batch`'s identified
    /// trade: a trade's fields and its `id`) or `{"trades": [...]}` (up to 1,000). Trades are read while earlier
    /// ones are being made durable and submitted in order through the engine's group commit (``IngestBuffer``);
    /// after each durable batch one `{"type": "acks", "results": [...]}` message carries every trade's result in
    /// order, exactly as the batch endpoint answers them (idempotent by trade id per API key). A malformed message
    /// is answered `{"type": "error", "status": 400, "error", "message", "field"}` and nothing of it is submitted;
    /// a storage fault is answered `{"type": "error", "status": 503, …}` and the stream closes (nothing of the
    /// trades waiting acknowledged: resend them, by id).
    func addIngestRoutes(_ router: Router<Context>) {
        let spec = RouteSpec(.get, "/v1/ingest", scope: .tradeReadWrite)
        routes.add(spec)
        router.ws(RouterPath(spec.path), shouldUpgrade: { request, context in
            try Self.upgrade(request, context: context)
        }, onUpgrade: { [self] inbound, outbound, ws in
            let caller: Principal
            let engine: RiskEngine
            do throws(APIError) {
                if let refusal = ws.requestContext.refusal { throw refusal }
                caller = try ws.requestContext.caller
                engine = try readyEngine()
            } catch {
                try await Self.refuse(error, inbound: inbound, outbound: outbound)
                return
            }
            try await ingest(caller: caller, engine: engine, inbound: inbound, outbound: outbound)
        })
    }

    /// One ingest connection: the reader (this task) parses messages into the buffer; the submitter submits what
    /// waits and writes the acknowledgements.
    private func ingest(caller: Principal, engine: RiskEngine, inbound: WebSocketInboundStream,
                        outbound: WebSocketOutboundWriter) async throws {
        let buffer = IngestBuffer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in buffer.wakeups {
                    while true {
                        let trades = buffer.take()
                        if trades.isEmpty { break }
                        do {
                            let results = try await Self.submitTrades(trades, caller: caller, engine: engine)
                            let message = JSONValue.object([("type", .string("acks")), ("results", .array(results))])
                            try await outbound.write(.text(message.serialized(pretty: false)))
                        } catch let error as APIError {
                            try await outbound.write(.text(Self.ingestError(error)))
                            try await outbound.close(.unknown(UInt16(4_000 + Int(error.status.code))), reason: error.code)
                            return
                        }
                    }
                }
            }
            do {
                for try await message in inbound.messages(maxSize: configuration.maxBodyBytes) {
                    guard case .text(let text) = message else {
                        try await outbound.write(.text(Self.ingestError(APIError(
                            .badRequest, "invalid_request", "$: a text message holding JSON is required", field: "$"))))
                        continue
                    }
                    do {
                        let trades = try Self.ingestTrades(Array(text.utf8))
                        guard buffer.add(trades) else {
                            throw APIError(.tooManyRequests, "too_many_pending",
                                           "more than \(IngestBuffer.capacity) trades wait for the journal: read the acknowledgements, then resend")
                        }
                    } catch let error as APIError {
                        try await outbound.write(.text(Self.ingestError(error)))
                    }
                }
            } catch {
                buffer.finish()
                throw error
            }
            buffer.finish()
            try await group.waitForAll()
        }
    }

    /// A message's trades: one identified trade, or `{"trades": [...]}` (1 to ``maxBatchTrades``), read as the batch
    /// endpoint reads them.
    static func ingestTrades(_ bytes: [UInt8]) throws(APIError) -> [(id: String, event: EngineEvent)] {
        let node = try StrictBody.parse(bytes, shape: .ingestMessage)
        guard case .object(let pairs) = node.value, pairs.contains(where: { $0.key == "trades" }) else {
            return [try identifiedTrade(node)]
        }
        let nodes = try StrictBody.decode { () throws(InputError) in try node.required("trades").array() }
        guard (1...maxBatchTrades).contains(nodes.count) else {
            throw APIError(.badRequest, "invalid_request", "$.trades: 1 to \(maxBatchTrades) trades", field: "$.trades")
        }
        return try nodes.map { n throws(APIError) in try identifiedTrade(n) }
    }

    /// `{"type": "error", "status", "error", "message", "field"?}`.
    static func ingestError(_ error: APIError) -> String {
        var pairs: [(String, JSONValue)] = [("type", .string("error")), ("status", .double(Double(error.status.code)))]
        if case .object(let fields) = error.json { pairs += fields }
        return JSONValue.object(pairs).serialized(pretty: false)
    }
}
