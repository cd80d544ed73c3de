import Foundation
import MarginCore
import MarginLedger

extension RiskEngine {
    /// Per-pass measurements since the last ``takeStats()``.
    public struct MarketStats: Sendable {
        /// Market events applied.
        public var updates = 0
        /// Ticks merged away by conflation.
        public var superseded = 0
        /// Per applied update: first tick's arrival → every affected account re-margined.
        public var staleness: [Duration] = []
        /// Per applied update: first tick's arrival → the 100 accounts nearest liquidation re-margined.
        public var priorityLatency: [Duration] = []
        /// Market updates rejected by validation (e.g. time moved past an unexpired instrument).
        public var rejected = 0
        /// Market updates not applied because of a storage fault (counted apart from rejections).
        public var storageFaults = 0
    }

    /// Offers a market tick to the conflator (never blocks, never queues more than one per underlying).
    public nonisolated func offer(_ update: MarketUpdate) { conflator.offer(update) }

    /// Applies conflated market updates until the conflator is finished (``shutdown()``, or the engine stopped on
    /// a storage fault) or the task is cancelled.
    public func runMarketLoop() async {
        for await _ in conflator.doorbell {
            if Task.isCancelled { break }
            await processPendingMarket()
        }
    }

    /// Applies every pending conflated update now, in one re-margining pass whatever the number of underlyings.
    /// While the engine is not ready, ticks stay in the conflator (latest per underlying), applied once it is.
    public func processPendingMarket() async {
        guard status.isReady else { return }
        await takeTurn()
        defer { passTurn() }
        guard status.isReady else { return }
        let pending = conflator.drain()
        guard !pending.isEmpty else { return }
        let priority = PriorityStamp()
        do {
            let ack = try await submitMarketsInTurn(pending.map(\.update), reportAfter: 100,
                                                    onPriorityDone: { priority.mark() })
            let now = ContinuousClock.now
            stats.rejected += ack.rejected.count
            let rejected = Set(ack.rejected.map(\.update.underlying))
            for p in pending where !rejected.contains(p.update.underlying) {
                stats.updates += 1
                stats.superseded += p.ticks - 1
                if stats.staleness.count < 1_000_000 {
                    stats.staleness.append(now - p.firstArrival)
                    stats.priorityLatency.append((priority.instant ?? now) - p.firstArrival)
                }
            }
        } catch {
            stats.storageFaults += pending.count
        }
    }

    /// Returns and resets the market statistics.
    public func takeStats() -> MarketStats {
        defer { stats = MarketStats() }
        return stats
    }
}

/// When a pass reached the accounts nearest liquidation (set on the engine's thread, read after the pass).
final class PriorityStamp: @unchecked Sendable {
    // @unchecked: written and read on the engine's thread only (the callback runs inside the pass).
    private(set) var instant: ContinuousClock.Instant?
    func mark() { instant = .now }
}
