import Foundation
import NIOCore

/// The first handler of every connection (raw bytes, before the HTTP codec): it holds the connection to
/// ``ConnectionLimits``.
///
/// - Between requests the connection may sit idle ``ConnectionLimits/idleTimeout``; from a request's first byte its
///   head must be complete within ``ConnectionLimits/headerTimeout`` (else 408), its body within
///   ``ConnectionLimits/bodyTimeout`` (else closed); a peer that takes no bytes of an answer for
///   ``ConnectionLimits/writeTimeout`` is closed. While a request is being answered no timer runs (the engine's
///   work is not the network's), nor on a WebSocket stream (seen by the `101` answer going out).
/// - A request line over ``ConnectionLimits/maxRequestLineBytes`` is answered 414 before the codec reads it.
/// - Malformed requests (``ParseErrorResponder``) and the above are answered here (``refuse(_:)``): a JSON error,
///   `Connection: close`, then the connection is closed (after reading what the peer still sends, briefly, so that
///   the answer is not lost to a reset).
/// - On shutdown (the server's quiesce event) an idle connection closes at once, one with a request in flight
///   after ``ConnectionLimits/shutdownGrace``.
/// - It keeps the ``ConnectionRoster`` told whether the connection may be evicted.
///
/// Confined to its channel's event loop.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum Phase {
        /// No request in progress: idle, or receiving a request head.
        case awaitingHead
        /// A head was decoded; its body is still arriving.
        case readingBody
        /// The request was read whole; it is being answered.
        case answering
        /// Upgraded to a WebSocket stream.
        case webSocket
        /// Answered a refusal; closing.
        case closing
    }

    private let limits: ConnectionLimits
    private let roster: ConnectionRoster
    private var context: ChannelHandlerContext?
    private var phase = Phase.awaitingHead
    private var headStarted = false
    private var requestLineOpen = true
    private var requestLineBytes = 0
    /// The current request line's first bytes (at most 64), to tell an unknown method from garbage.
    private(set) var requestLineStart: [UInt8] = []
    private var inFlight = 0
    private var bodyOpen = false
    private var quiescing = false
    private var deadline: Scheduled<Void>?
    private var writeDeadline: Scheduled<Void>?
    private var graceDeadline: Scheduled<Void>?

    init(limits: ConnectionLimits, roster: ConnectionRoster) {
        self.limits = limits
        self.roster = roster
    }

    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { awaitHead() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        roster.remove(id)
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        awaitHead()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        roster.remove(id)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .closing { return }  // what a refused peer still sends is read and dropped
        if phase == .awaitingHead {
            let bytes = unwrapInboundIn(data)
            if !headStarted, bytes.readableBytes > 0 {
                headStarted = true
                schedule(limits.headerTimeout) { $0.refuse(.requestTimeout) }
            }
            if requestLineOpen {
                let view = bytes.readableBytesView
                if requestLineStart.count < 64 { requestLineStart += view.prefix(64 - requestLineStart.count) }
                let lineEnd = view.firstIndex(of: UInt8(ascii: "\n"))
                requestLineBytes += lineEnd.map { view.distance(from: view.startIndex, to: $0) } ?? view.count
                if lineEnd != nil { requestLineOpen = false }
                if requestLineBytes > limits.maxRequestLineBytes {
                    refuse(.uriTooLong(limits.maxRequestLineBytes))
                    return
                }
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if phase != .webSocket, case .byteBuffer(let bytes) = unwrapOutboundIn(data),
           bytes.readableBytesView.starts(with: Self.switchingProtocols) {
            phase = .webSocket
            deadline?.cancel()
            roster.mark(id, channel: context.channel, evictable: false)
        }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writeDeadline?.cancel()
        writeDeadline = nil
        if !context.channel.isWritable {
            writeDeadline = after(limits.writeTimeout) { $0.context?.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if phase == .awaitingHead {
                context.close(promise: nil)
            } else if graceDeadline == nil {
                graceDeadline = after(limits.shutdownGrace) { $0.context?.close(promise: nil) }
            }
        } else if case ChannelEvent.inputClosed = event, phase == .closing {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Request progress (``RequestProgressHandler``)

    /// A request head was decoded.
    func headReceived() {
        guard phase != .closing, let context else { return }
        phase = .readingBody
        inFlight += 1
        bodyOpen = true
        schedule(limits.bodyTimeout) { $0.context?.close(promise: nil) }
        roster.mark(id, channel: context.channel, evictable: true)
    }

    /// The request's body ended.
    func requestEnded() {
        guard phase == .readingBody, let context else { return }
        bodyOpen = false
        phase = .answering
        deadline?.cancel()
        deadline = nil
        roster.mark(id, channel: context.channel, evictable: false)
    }

    /// An answer was written whole.
    func answerEnded() {
        guard phase == .answering || phase == .readingBody else { return }
        inFlight = max(0, inFlight - 1)
        guard inFlight == 0, !bodyOpen else { return }
        if quiescing { context?.close(promise: nil) } else { awaitHead() }
    }

    // MARK: Refusals

    /// Answers `refusal` (a JSON error with `Connection: close`) and closes the connection. Only while no answer
    /// has started (a request head not yet decoded, or malformed).
    func refuse(_ refusal: EdgeRefusal) {
        guard let context, phase != .closing, phase != .webSocket else { return }
        phase = .closing
        deadline?.cancel()
        roster.mark(id, channel: context.channel, evictable: true)
        let buffer = context.channel.allocator.buffer(string: refusal.response)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer))).assumeIsolated().whenComplete { [weak self] _ in
            guard let self, let context = self.context else { return }
            // Half-close: the peer reads the answer; what it still sends is dropped; closed at most 2 s later.
            context.close(mode: .output, promise: nil)
            self.deadline = self.after(.seconds(2)) { $0.context?.close(promise: nil) }
        }
    }

    // MARK: Timers

    private func awaitHead() {
        guard let context else { return }
        phase = .awaitingHead
        headStarted = false
        requestLineOpen = true
        requestLineBytes = 0
        requestLineStart = []
        schedule(limits.idleTimeout) { $0.context?.close(promise: nil) }
        roster.mark(id, channel: context.channel, evictable: true)
    }

    /// Replaces the connection's deadline.
    private func schedule(_ delay: Duration, _ action: @escaping (ConnectionGuard) -> Void) {
        deadline?.cancel()
        deadline = after(delay, action)
    }

    /// Runs `action` after `delay` on the event loop, unless the handler is gone.
    private func after(_ delay: Duration, _ action: @escaping (ConnectionGuard) -> Void) -> Scheduled<Void>? {
        guard let context else { return nil }
        return context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(delay)) { [weak self] in
            if let self { action(self) }
        }
    }

    private func cancelTimers() {
        deadline?.cancel()
        writeDeadline?.cancel()
        graceDeadline?.cancel()
        deadline = nil
        writeDeadline = nil
        graceDeadline = nil
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    private static let switchingProtocols = Array("HTTP/1.1 101".utf8)
}
