import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 + WebSocket child channel with the service's edge in front: a ``ConnectionGuard`` first
/// in every connection's pipeline (limits, timeouts, refusals, eviction) and a ``ParseErrorResponder`` right after
/// the request decoder. The codec's own limits are ``ConnectionLimits``' header limits.
struct GuardedHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let inner: HTTP1WebSocketUpgradeChannel
    let limits: ConnectionLimits
    let roster: ConnectionRoster

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let connection = ConnectionGuard(limits: limits, roster: roster)
            try pipeline.addHandler(connection, position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(ParseErrorResponder(connection), position: .after(decoder))
            return value
        }
    }

    /// Serves the connection. Hummingbird's connection-level notes (a peer gone mid-negotiation, a request refused
    /// at the edge) are not logged: a flood of them would flood the log; the refusals themselves are answered at
    /// the edge (``EdgeRefusal``).
    func handle(value: Value, logger: Logger) async {
        var quiet = logger
        quiet.logLevel = .critical
        await inner.handle(value: value, logger: quiet)
    }

    /// The server builder: every connection through this channel.
    static func builder(webSocketRouter: Router<ServiceRequestContext>, limits: ConnectionLimits,
                        roster: ConnectionRoster, maxFrameSize: Int, closeTimeout: Duration) -> HTTPServerBuilder {
        var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        decoder.maxHeaderFieldSize = limits.maxHeaderFieldBytes
        decoder.maxHeaderListSize = limits.maxHeaderBytes
        decoder.maxHeaderFieldCount = limits.maxHeaderCount
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [RequestProgressHandler()],
                                               httpDecoderConfiguration: decoder)
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: http1, ws: WebSocketServerConfiguration(maxFrameSize: maxFrameSize, closeTimeout: closeTimeout))
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            GuardedHTTPChannel(inner: HTTP1WebSocketUpgradeChannel(responder: responder,
                                                                    webSocketResponder: webSocketResponder,
                                                                    configuration: configuration),
                               limits: limits, roster: roster)
        }
    }
}
