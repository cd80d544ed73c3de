import Foundation
import MarginCore

/// The front end's journaled records in the engine's state (``EngineState/service``): API keys by id and the
/// answers to idempotent requests, kept for a bounded time (``retention``, measured on the records' own times, so
/// replay keeps exactly what the live engine kept) and at most ``capacity`` of them (oldest dropped first).
public struct ServiceState: Sendable {
    /// How long a request's answer is kept: 24 hours after the request.
    public static let retention: Double = 86_400
    /// At most this many answers are kept (the oldest go first).
    public static let capacity = 100_000

    /// Every key ever created, revoked ones included (ids are never reused).
    public var keys: [String: APIKeyRecord] = [:]
    /// Kept answers by scope and idempotency key.
    public private(set) var requests: [RequestID: RequestRecord] = [:]
    /// Kept answers in journal order (``order``[``head``...]).
    private var order: [RequestID] = []
    private var head = 0

    public init() {}

    public var isEmpty: Bool { keys.isEmpty && requests.isEmpty }

    /// The kept answers in journal order.
    public var requestsInOrder: [RequestRecord] { order[head...].compactMap { requests[$0] } }

    public func request(_ id: RequestID) -> RequestRecord? { requests[id] }

    /// Applies a validated event.
    public mutating func apply(_ event: ServiceEvent) {
        switch event {
        case .apiKey(let k):
            keys[k.id] = k
        case .apiKeyRevoked(let r):
            keys[r.id]?.revoked = r.time
        case .request(let r):
            let id = r.id
            if requests.updateValue(r, forKey: id) == nil { order.append(id) }
            expire(before: r.time.adding(seconds: -Int64(Self.retention)))
        }
    }

    /// Drops answers older than `cutoff` and beyond ``capacity``, oldest first.
    private mutating func expire(before cutoff: Instant) {
        while head < order.count {
            let id = order[head]
            guard let r = requests[id] else { head += 1; continue }
            guard r.time < cutoff || order.count - head > Self.capacity else { break }
            requests[id] = nil
            head += 1
        }
        if head > 4_096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

extension ServiceState: Hashable {
    public static func == (a: ServiceState, b: ServiceState) -> Bool {
        a.keys == b.keys && a.requestsInOrder == b.requestsInOrder
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(requestsInOrder)
    }
}
