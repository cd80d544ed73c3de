import CoreMetrics
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
    /// `GET /v1/stream?account=ID` (WebSocket): the account's margin and health as they change (owner, admin,
    /// viewer); without `account` every health transition (admin, viewer). Authenticated by `Authorization:
    /// Bearer KEY` or, from a browser, the subprotocols `margin.v1, bearer.KEY` (the server answers `margin.v1`).
    func addStreamRoutes(_ router: Router<Context>) {
        let spec = RouteSpec(.get, "/v1/stream", scope: .streamRead, accountBound: true)
        routes.add(spec)
        router.ws(RouterPath(spec.path), shouldUpgrade: { request, context in
            try Self.upgrade(request, context: context)
        }, onUpgrade: { [self] inbound, outbound, ws in
            // Refusals are answered over the socket (``refuse(_:outbound:)``).
            do throws(APIError) {
                if let refusal = ws.requestContext.refusal { throw refusal }
                try await admitStream(ws.request, context: ws.requestContext)
            } catch {
                try await Self.refuse(error, inbound: inbound, outbound: outbound)
                return
            }
            let account = ws.request.uri.queryParameters["account"].map(String.init)
            guard let engine, let caller = try? ws.requestContext.caller else { return }
            try await stream(account: account, keyID: caller.keyID, engine: engine, inbound: inbound,
                             outbound: outbound)
        })
    }

    /// Whether a WebSocket route's request upgrades: a plain request is refused (the gate's refusal, else 426); the
    /// `margin.v1` subprotocol is answered when offered (browsers authenticate with `margin.v1, bearer.KEY`).
    static func upgrade(_ request: Request, context: Context) throws -> RouterShouldUpgrade {
        guard request.headers[.upgrade]?.lowercased() == "websocket" else {
            if let refusal = context.refusal { throw refusal }
            throw APIError(.upgradeRequired, "upgrade_required", "a WebSocket upgrade is required",
                           headers: [.upgrade: "websocket"])
        }
        var headers: HTTPFields = [:]
        if let offered = request.headers[.secWebSocketProtocol] {
            let protocols = offered.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if protocols.contains("margin.v1") { headers[.secWebSocketProtocol] = "margin.v1" }
        }
        return .upgrade(headers)
    }

    /// Who may stream what: an owner only its account; an account that exists; an engine that has recovered.
    private func admitStream(_ request: Request, context: Context) async throws(APIError) {
        let caller = try context.caller
        let account = request.uri.queryParameters["account"].map(String.init)
        if account == nil, caller.role.isAccountBound {
            throw APIError(.forbidden, "forbidden", "an owner streams its own account (?account=ID)")
        }
        let engine = try readyEngine()
        if let account, !(await engine.accountExists(account)) {
            throw APIError.notFound("unknown account \"\(account)\"")
        }
    }

    /// A refused subscription: one `{"type": "error", "status", "error", "message"}` message; then the client has
    /// a second to close, after which the server closes with code 4000 + the HTTP status (4401 unauthenticated,
    /// 4403 forbidden, 4404 unknown account, 4429 rate limited, 4503 recovering). (Closing at once can overtake
    /// the message at the client.)
    static func refuse(_ refusal: APIError, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter)
        async throws
    {
        let status = Int(refusal.status.code)
        var pairs: [(String, JSONValue)] = [("type", .string("error")), ("status", .double(Double(status)))]
        if case .object(let fields) = refusal.json { pairs += fields }
        try await outbound.write(.text(JSONValue.object(pairs).serialized(pretty: false)))
        let clientClosed = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { for try await _ in inbound {} } catch {}
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(1))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !clientClosed { try await outbound.close(.unknown(UInt16(4_000 + status)), reason: refusal.code) }
    }

    /// Streams to one subscriber until it closes, falls too far behind (closed, 1008) or its key is revoked (closed
    /// at once, 4401).
    private func stream(account: String?, keyID: String, engine: RiskEngine, inbound: WebSocketInboundStream,
                        outbound: WebSocketOutboundWriter) async throws {
        let client = StreamClient(account: account, keyID: keyID, capacity: configuration.streamBuffer)
        hub.add(client)
        defer {
            hub.remove(client)
            client.finish()
        }
        try await outbound.write(.text(StreamMessage.subscribed(account: account, sequence: await engine.sequence)
            .serialized(pretty: false)))
        var feed: AsyncStream<AccountUpdate>?
        if let account { feed = await engine.watch(account: account) }
        let metrics = self.metrics
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let feed {
                group.addTask {
                    for await update in feed { client.setMargin(StreamMessage.margin(update)) }
                }
            }
            group.addTask {
                for await _ in client.wakeups {
                    let batch = client.take()
                    if batch.revoked {
                        try await outbound.write(.text(StreamMessage.notice("the stream's API key was revoked")
                            .serialized(pretty: false)))
                        try await outbound.close(.unknown(4_401), reason: "key revoked")
                        return
                    }
                    for event in batch.events { try await outbound.write(.text(event.serialized(pretty: false))) }
                    if let margin = batch.margin {
                        try await outbound.write(.text(margin.settingConflated(batch.conflated).serialized(pretty: false)))
                    }
                    if batch.overflowed {
                        metrics.streamDropped.increment()
                        try await outbound.write(.text(StreamMessage.notice(
                            "slow consumer: more than \(self.configuration.streamBuffer) events behind; disconnected")
                            .serialized(pretty: false)))
                        try await outbound.close(.policyViolation, reason: "slow consumer")
                        return
                    }
                }
            }
            // The client's frames are read (and ignored) until it closes; then everything stops.
            for try await _ in inbound {}
            client.finish()
            group.cancelAll()
        }
    }
}
