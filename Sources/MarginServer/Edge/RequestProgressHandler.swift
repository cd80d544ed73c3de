import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Tells the connection's ``ConnectionGuard`` where its HTTP exchange is: a request head decoded, its body ended,
/// an answer written whole (the guard's timers and eviction follow). Added on every HTTP connection after the
/// codec (Hummingbird's additional channel handlers); passes everything on unchanged.
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connection: ConnectionGuard?

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        connection = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connection?.headReceived()
        case .end: connection?.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { connection?.answerEnded() }
        context.write(data, promise: promise)
    }
}
