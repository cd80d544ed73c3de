import MarginCore

/// The engine as an actor: one writer (the actor) around ``EngineCore``, a conflated market feed, and health
/// changes published to subscribers.
///
/// - Trading and admin events: ``submit(_:)``, in arrival order; returns after the event is durable and applied.
/// - Market ticks: ``offer(_:)`` from any thread; ``runMarketLoop()`` drains the conflator (latest per underlying
///   wins) and re-margins every pending underlying in one pass. Staleness bound: a tick waits for at most the pass
///   in progress plus its own pass, so an account's margin lags the market by at most
///   2 × (T_pass(all underlyings) + T_append); ``takeStats()`` measures it (docs/ENGINE.md).
/// - Health: ``healthChanges()`` is an `AsyncStream` per subscriber, buffering the newest 65 536 changes.
public actor RiskEngine {
    let core: EngineCore
    /// The conflated market feed.
    public nonisolated let conflator = MarketConflator()
    private var subscribers: [Int: AsyncStream<HealthChange>.Continuation] = [:]
    private var nextSubscriber = 0
    private var stats = MarketStats()

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
        /// Rejected market events (e.g. time moved past an unexpired instrument).
        public var rejected = 0
    }

    /// Opens the engine on `store` (recovering from its snapshot and journal).
    public init(store: any JournalStore, genesis: EngineState = EngineState()) throws(EngineError) {
        core = try EngineCore(store: store, genesis: genesis)
    }

    /// Validates, journals, applies and re-margins one event; publishes resulting health changes.
    @discardableResult
    public func submit(_ event: EngineEvent) throws(EngineError) -> Acknowledgement {
        let ack = try core.submit(event)
        publish(ack.healthChanges)
        return ack
    }

    /// Offers a market tick to the conflator (never blocks, never queues more than one per underlying).
    public nonisolated func offer(_ update: MarketUpdate) { conflator.offer(update) }

    /// Applies conflated market updates until the conflator is finished or the task is cancelled.
    public func runMarketLoop() async {
        for await _ in conflator.doorbell {
            if Task.isCancelled { break }
            processPendingMarket()
        }
    }

    /// Applies every pending conflated update now, in one re-margining pass whatever the number of underlyings.
    public func processPendingMarket() {
        let pending = conflator.drain()
        guard !pending.isEmpty else { return }
        var priorityAt: ContinuousClock.Instant?
        do {
            let ack = try core.submitMarkets(pending.map(\.update), onPriorityDone: { priorityAt = .now })
            publish(ack.healthChanges)
            let now = ContinuousClock.now
            stats.rejected += ack.rejected.count
            let rejected = Set(ack.rejected.map(\.update.underlying))
            for p in pending where !rejected.contains(p.update.underlying) {
                stats.updates += 1
                stats.superseded += p.ticks - 1
                if stats.staleness.count < 1_000_000 {
                    stats.staleness.append(now - p.firstArrival)
                    stats.priorityLatency.append((priorityAt ?? now) - p.firstArrival)
                }
            }
        } catch {
            stats.rejected += pending.count
        }
    }

    /// Returns and resets the market statistics.
    public func takeStats() -> MarketStats {
        defer { stats = MarketStats() }
        return stats
    }

    /// A new subscription to health changes, in journal order.
    public func healthChanges() -> AsyncStream<HealthChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: HealthChange.self,
                                                            bufferingPolicy: .bufferingNewest(65_536))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) { subscribers[id] = nil }

    private func publish(_ changes: [HealthChange]) {
        guard !changes.isEmpty else { return }
        for c in subscribers.values {
            for change in changes { c.yield(change) }
        }
    }

    /// Ends every subscription and the market loop.
    public func shutdown() {
        for c in subscribers.values { c.finish() }
        subscribers = [:]
        conflator.finish()
    }

    // MARK: Reading

    public var state: EngineState { core.state }
    public func margin(of account: String) -> AccountMargin? { core.margin(of: account) }
    public var digest: String { core.digest }
    public var healthCounts: [Health: Int] { core.healthCounts }
    @discardableResult
    public func writeSnapshot() throws(EngineError) -> SnapshotReport { try core.writeSnapshot() }
    /// Starts a snapshot in the background (see ``EngineCore/writeSnapshotInBackground(completion:)``).
    @discardableResult
    public func writeSnapshotInBackground(
        completion: @escaping @Sendable (Result<SnapshotReport, EngineError>) -> Void = { _ in }
    ) -> Bool {
        core.writeSnapshotInBackground(completion: completion)
    }
    /// Where the time of the last re-margining pass went.
    public var lastPass: PassProfile { core.lastPass }
}
