import NIOCore
import NIOHTTP1

/// Sits right after the HTTP request decoder and turns its errors into answers: an `HTTPParserError` (a head over
/// the limits, an unknown method, bytes that are not HTTP/1.1) becomes the matching ``EdgeRefusal`` sent by the
/// connection's ``ConnectionGuard``, and the error goes no further (Hummingbird would otherwise leave a first
/// request unanswered and the connection open). Any other error passes on. It reads no messages, so it stays
/// harmless after a WebSocket upgrade removes the codec around it.
final class ParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    private let connection: ConnectionGuard

    init(_ connection: ConnectionGuard) { self.connection = connection }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        connection.refuse(EdgeRefusal(parse, requestLine: connection.requestLineStart))
    }
}
