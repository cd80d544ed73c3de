import Foundation
import MarginCore
import MarginLedger

extension RiskEngine {
    /// A new subscription to health changes, in journal order.
    public func healthChanges() -> AsyncStream<HealthChange> {
        makeSubscription { subscribers[$0] = $1 }
    }

    /// A new stream buffering the newest 65,536 elements, its continuation handed to `register` under a fresh
    /// subscriber id (ids are unique across kinds of subscription); unsubscribed when the consumer ends it.
    func makeSubscription<Element: Sendable>(
        _ register: (Int, AsyncStream<Element>.Continuation) -> Void) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(65_536))
        let id = nextSubscriber
        nextSubscriber += 1
        register(id, continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
        noticeSubscribers[id] = nil
    }

    func publish(_ changes: [HealthChange]) {
        guard !changes.isEmpty else { return }
        for c in subscribers.values {
            for change in changes { c.yield(change) }
        }
    }
}
