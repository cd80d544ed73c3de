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
                p.update = Self.merge(update, over: p.update)
                p.ticks += 1
                s.pending[update.underlying] = p
            } else {
                s.pending[update.underlying] = Pending(update: update, firstArrival: arrival, ticks: 1)
            }
        }
        bell.yield()
    }

    /// The conflation rule: `later` over `earlier` (same underlying): each field of the later tick wins, a field it
    /// omits keeps the earlier tick's, and the time is the later of the two.
    public static func merge(_ later: MarketUpdate, over earlier: MarketUpdate) -> MarketUpdate {
        var merged = later
        if merged.index == nil { merged.index = earlier.index }
        if merged.rate == nil { merged.rate = earlier.rate }
        if merged.forwards == nil { merged.forwards = earlier.forwards }
        if merged.perpetualPrice == nil { merged.perpetualPrice = earlier.perpetualPrice }
        if merged.surface == nil { merged.surface = earlier.surface }
        if merged.time < earlier.time { merged.time = earlier.time }
        return merged
    }

    /// Puts drained updates back (a turn that could not apply them): each under any tick offered since (which
    /// wins, by ``merge(_:over:)``), keeping the older first arrival.
    public func restore(_ drained: [Pending]) {
        guard !drained.isEmpty else { return }
        storage.withLock { s in
            for d in drained {
                if var newer = s.pending[d.update.underlying] {
                    newer.update = Self.merge(newer.update, over: d.update)
                    newer.firstArrival = min(newer.firstArrival, d.firstArrival)
                    newer.ticks += d.ticks
                    s.pending[d.update.underlying] = newer
                } else {
                    s.pending[d.update.underlying] = d
                }
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
