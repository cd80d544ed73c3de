import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: who is calling (``principal``, set by ``GateMiddleware``) and the
/// request body, collected once within the size limit (``BodyMiddleware``), so that idempotency fingerprints and
/// decoders read the same bytes.
public struct ServiceRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The authenticated caller (`nil` on public routes).
    public var principal: Principal?
    /// The collected body of a POST, PUT or DELETE (at most ``ServerConfiguration/maxBodyBytes``).
    public var body: ByteBuffer?
    /// A WebSocket upgrade's refusal (401, 403, 404, 429), answered over the socket: a failed handshake reaches a
    /// browser as a bare close, and the upgrade machinery answers any refusal with a bare 400.
    public var refusal: APIError?
    /// The peer's IP address (`nil` when unknown): the unauthenticated rate limit's key.
    public let peerAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { ServerConfiguration.defaultMaxBodyBytes }

    /// The caller, on an authenticated route (the gate refuses the request before a handler runs otherwise).
    var caller: Principal {
        get throws(APIError) {
            guard let principal else { throw APIError(.unauthorized, "unauthorized", "missing API key") }
            return principal
        }
    }

    /// The body's bytes (empty when none).
    var bodyBytes: [UInt8] {
        guard let body else { return [] }
        return Array(body.readableBytesView)
    }
}
