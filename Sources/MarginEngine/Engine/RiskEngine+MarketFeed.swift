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
        /// Where the follow-ups' time went (liquidation slices: planning, journaling, the slowest).
        public var followUps = FollowUpProfile()
    }

    /// Offers a market tick to the conflator (never blocks, never queues more than one per underlying).
    public nonisolated func offer(_ update: MarketUpdate) { conflator.offer(update) }

    /// Applies conflated market updates until the conflator is finished (``shutdown()``, or the engine stopped on
    /// a storage fault) or the task is cancelled. Market data first: a turn yields to a pending tick between
    /// liquidation slices (``FollowUpPacing``); after the tick, while no other tick is pending, the loop resumes
    /// the unfinished liquidation round turn after turn (``resumeLiquidation()``).
    public func runMarketLoop() async {
        for await _ in conflator.doorbell {
            if Task.isCancelled { break }
            await processPendingMarket()
            // Bounded: each pass journals at least one follow-up of a finite round, or stops; after ``shutdown()``
            // no further round is resumed (what is due then is journaled at the next open: ``journalDue()``).
            while !Task.isCancelled, !shuttingDown, conflator.pendingCount == 0, await resumeLiquidation() {}
        }
    }

    /// Whether a liquidation round is unfinished (``EngineCore/hasUnfinishedLiquidation``).
    package var hasUnfinishedLiquidation: Bool { core.hasUnfinishedLiquidation }

    /// Journals the follow-ups of an unfinished liquidation round (``EngineCore/hasUnfinishedLiquidation``) in a
    /// turn of its own, paced as every turn's (``FollowUpPacing``).
    ///
    /// - Returns: whether the turn journaled something and the round is still unfinished.
    func resumeLiquidation() async -> Bool {
        guard status.isReady, core.hasUnfinishedLiquidation else { return false }
        await takeTurn()
        defer { passTurn() }
        guard status.isReady else { return false }
        let before = core.state.sequence
        _ = await journalFollowUpsInTurn()
        return core.state.sequence != before && core.hasUnfinishedLiquidation
    }

    /// Applies every pending conflated update now, in one re-margining pass whatever the number of underlyings.
    /// While the engine is not ready, ticks stay in the conflator (latest per underlying), applied once it is.
    public func processPendingMarket() async {
        guard status.isReady else { return }
        await takeTurn()
        defer { passTurn() }
        guard status.isReady else { return }
        _ = try? await applyMarketsInTurn()
    }

    /// The one entry for market data into the journal, in the caller's turn: every conflated update pending now
    /// and, for an idempotent request (``submitMarkets(_:answering:)``), the request's updates, each merged over
    /// its underlying's pending tick by the conflation rule (``MarketConflator/merge(_:over:)``), in one pass
    /// (``runTurn(_:answer:reportAfter:onPriorityDone:)``). The request's updates must all be accepted; the feed's
    /// may be refused one by one. Measures the feed's staleness (``MarketStats``). When the request is replayed or
    /// refused, the drained ticks go back to the conflator; on a storage fault they are lost, as any
    /// unacknowledged update (counted in ``MarketStats/storageFaults``).
    ///
    /// - Returns: the turn's outcome, `nil` when there was nothing to apply (no pending tick, no request).
    /// - Throws: a storage fault (nothing acknowledged).
    @discardableResult
    func applyMarketsInTurn(request: [MarketUpdate] = [], answer: FrontEndAnswer? = nil) async throws(EngineError)
        -> TurnOutcome?
    {
        let required = Set(request.map(\.underlying))
        guard required.count == request.count else {
            // Refused by the turn's own check ("one update per underlying") before anything is drained.
            return try await runTurn(.markets(request, required: required), answer: answer)
        }
        let drained = conflator.drain()
        var updates: [String: MarketUpdate] = [:]
        for p in drained { updates[p.update.underlying] = p.update }
        for r in request { updates[r.underlying] = updates[r.underlying].map { MarketConflator.merge(r, over: $0) } ?? r }
        guard !updates.isEmpty || answer != nil else { return nil }
        let priority = PriorityStamp()
        let outcome: TurnOutcome
        do {
            outcome = try await runTurn(.markets(updates.keys.sorted().compactMap { updates[$0] }, required: required),
                                        answer: answer, reportAfter: 100, onPriorityDone: { priority.mark() })
        } catch {
            stats.storageFaults += drained.count
            throw error
        }
        guard case .done(let result) = outcome else {
            conflator.restore(drained)
            return outcome
        }
        // Staleness ends when the batch was committed (every affected account re-margined), not after the turn's
        // follow-ups: those delay the *next* tick, whose own staleness counts them.
        let now = result.committed ?? ContinuousClock.now
        stats.rejected += result.rejected.count
        let rejected = Set(result.rejected.map(\.update.underlying))
        for p in drained where !rejected.contains(p.update.underlying) {
            stats.updates += 1
            stats.superseded += p.ticks - 1 + (required.contains(p.update.underlying) ? 1 : 0)
            if stats.staleness.count < 1_000_000 {
                stats.staleness.append(now - p.firstArrival)
                stats.priorityLatency.append((priority.instant ?? now) - p.firstArrival)
            }
        }
        return outcome
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
