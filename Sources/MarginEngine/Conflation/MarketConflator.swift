import MarginLedger
import MarginCore
import Synchronization

/// Conflates market ticks between re-margining passes: per underlying only the latest index (and the latest
/// surface, forwards and rate, each kept if a later tick omits it) survives, so memory is bounded by the number of
/// underlyings however fast ticks arrive. Thread-safe: producers call ``offer(_:)`` from any thread.
///
/// Each pending update remembers when its oldest not-yet-processed tick arrived, so the consumer can measure
/// staleness (processing time − that arrival).
public final class MarketConflator: Sendable {
    /// A merged pending update and the arrival time of its oldest tick.
    public struct Pending: Sendable {
        public var update: MarketUpdate
        public var firstArrival: ContinuousClock.Instant
        /// Ticks merged into it.
        public var ticks: Int
    }

    private struct Storage {
        var pending: [String: Pending] = [:]
        var offered = 0
        var superseded = 0
    }
    private let storage = Mutex(Storage())
    private let bell: AsyncStream<Void>.Continuation
    /// Rings (at most one buffered ring) whenever a tick is offered.
    public let doorbell: AsyncStream<Void>

    public init() {
        (doorbell, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Offers a tick; merges it into the pending update of its underlying (latest wins).
    public func offer(_ update: MarketUpdate, at arrival: ContinuousClock.Instant = .now) {
        storage.withLock { s in
            s.offered += 1
            if var p = s.pending[update.underlying] {
                s.superseded += 1
                var merged = update
                if merged.index == nil { merged.index = p.update.index }
                if merged.rate == nil { merged.rate = p.update.rate }
                if merged.forwards == nil { merged.forwards = p.update.forwards }
                if merged.perpetualPrice == nil { merged.perpetualPrice = p.update.perpetualPrice }
                if merged.surface == nil { merged.surface = p.update.surface }
                if merged.time < p.update.time { merged.time = p.update.time }
                p.update = merged
                p.ticks += 1
                s.pending[update.underlying] = p
            } else {
                s.pending[update.underlying] = Pending(update: update, firstArrival: arrival, ticks: 1)
            }
        }
        bell.yield()
    }

    /// Takes every pending update, by underlying name.
    public func drain() -> [Pending] {
        storage.withLock { s in
            defer { s.pending.removeAll(keepingCapacity: true) }
            return s.pending.keys.sorted().compactMap { s.pending[$0] }
        }
    }

    /// Pending underlyings (bounded by the number of underlyings).
    public var pendingCount: Int { storage.withLock { $0.pending.count } }

    /// Ticks offered so far, and how many were merged into an earlier pending tick.
    public var counts: (offered: Int, superseded: Int) { storage.withLock { ($0.offered, $0.superseded) } }

    /// Ends the doorbell stream (the consumer's loop finishes).
    public func finish() { bell.finish() }
}
