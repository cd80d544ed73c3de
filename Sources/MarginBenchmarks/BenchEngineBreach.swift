import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import Synchronization

/// `margin-bench engine`'s mass-breach stage: one BTC tick moves the index far enough that at least a given share of
/// the accounts cross their maintenance margin at once, while the producer keeps offering ticks at a given rate.
///
/// Reported: the accounts the tick breached (healthy or restricted before it, in liquidation or takeover after it, by
/// the engine's own margins of the moved state), the feed's staleness and applied updates/s while the engine
/// liquidates, liquidation actions journaled per second, and the time from the tick's offer until each breached
/// account's first order (a partial-reduction step or a takeover) was published.
struct MassBreachStage {
    /// The tick that breaches, and whom.
    struct Shock {
        /// Relative move of the BTC index (−0.2: down 20%).
        var move: Double
        /// Accounts below maintenance margin after the move and not before it.
        var breached: Set<String>
        /// Seconds the probing took (whole-population margin passes on copies of the state).
        var probeSeconds: Double
    }

    /// What the stage measured.
    struct Result {
        var applied: Double
        /// Seconds from the breaching tick's offer until the statistics were taken (planned: the stage's seconds
        /// plus 0.1 s; longer when the benchmark's own task was held up, which lowers `applied`).
        var window: Double
        var rejected: Int
        var staleness: [Double]
        /// Liquidation actions journaled from the tick's offer to the end of the stage, and the seconds that took.
        var actions: Int
        var actionSeconds: Double
        /// Per breached account with a first order: seconds from the tick's offer to its first order.
        var firstOrder: [Double]
        /// Breached accounts that had no order when the stage gave up waiting.
        var withoutOrder: Int
        /// Where the follow-ups' time went while the ticks came (``FollowUpProfile``).
        var profile: FollowUpProfile
    }

    /// The smallest BTC move of `candidates` (in order) that breaches at least `fraction` of `state`'s accounts,
    /// each probed on a copy of the state with the engine's own margin pass (``EngineState/accountMargins()``);
    /// the last candidate's when none reaches it.
    static func probe(state: EngineState, fraction: Double,
                      candidates: [Double] = [-0.10, -0.15, -0.20, -0.30, -0.40]) -> Shock {
        let start = ContinuousClock.now
        let before = Dictionary(uniqueKeysWithValues: state.accountMargins().map { ($0.account, $0.margin.health) })
        var best = Shock(move: candidates.last ?? -0.2, breached: [], probeSeconds: 0)
        guard let btc = state.markets["BTC"] else { return best }
        for move in candidates {
            var moved = state
            moved.apply(.market(MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * (1 + move))))
            var breached = Set<String>()
            for (account, margin) in moved.accountMargins()
            where margin.health >= .liquidation && (before[account] ?? .healthy) < .liquidation {
                breached.insert(account)
            }
            best = Shock(move: move, breached: breached, probeSeconds: 0)
            if Double(breached.count) >= fraction * Double(state.accounts.count) { break }
        }
        best.probeSeconds = (ContinuousClock.now - start).secondsValue
        return best
    }

    /// Offers the shock tick, then ticks at `rate` for `seconds` from where the shock left the walk; waits at most
    /// `patience` seconds more for every breached account's first order. `market` continues from the latest tick
    /// offered.
    static func run(engine: RiskEngine, market: inout SimulatedMarket, shock: Shock, rate: Double, seconds: Double,
                    patience: Double) async -> Result {
        let firstOrders = FirstOrders(watching: shock.breached)
        let notices = await engine.liquidationNotices()
        let listener = Task {
            for await notice in notices { firstOrders.note(notice) }
        }
        _ = await engine.takeStats()
        let actionsBefore = engine.counters.followUps
        // The shock: the BTC index moved by `shock.move` a tenth of a second after the latest tick offered.
        let btc = market.underlyings.firstIndex { $0.name == "BTC" } ?? 0
        market.underlyings[btc].index *= 1 + shock.move
        market.time = Instant(nanosecondsSinceEpoch: market.time.nanosecondsSinceEpoch + 100_000_000)
        let offered = ContinuousClock.now
        engine.offer(MarketUpdate(underlying: market.underlyings[btc].name, time: market.time,
                                  index: market.underlyings[btc].index))
        let feed = TickProducer.run(engine: engine, market: market, rate: rate)
        try? await Task.sleep(for: .seconds(seconds))
        market = feed.stop()
        try? await Task.sleep(for: .milliseconds(100))
        let stats = await engine.takeStats()
        // (Taking the statistics waits for the engine's turn: the window ends when it was taken.)
        let window = (ContinuousClock.now - offered).secondsValue
        // Liquidation goes on after the producer stops: wait (bounded) for every breached account's first order.
        let deadline = ContinuousClock.now + .seconds(patience)
        while firstOrders.pending > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let actionSeconds = (ContinuousClock.now - offered).secondsValue
        let actions = engine.counters.followUps - actionsBefore
        listener.cancel()
        let times = firstOrders.times.map { ($0 - offered).secondsValue }
        return Result(applied: Double(stats.updates) / window, window: window, rejected: stats.rejected,
                      staleness: stats.staleness.map(\.secondsValue), actions: actions, actionSeconds: actionSeconds,
                      firstOrder: times, withoutOrder: firstOrders.pending, profile: stats.followUps)
    }
}

/// Each watched account's first order (a partial-reduction step or a takeover of it), as its notice was published.
private final class FirstOrders: Sendable {
    private let state: Mutex<(watching: Set<String>, times: [ContinuousClock.Instant])>

    init(watching: Set<String>) { state = Mutex((watching, [])) }

    func note(_ notice: LiquidationNotice) {
        let account: String
        switch notice.event {
        case .liquidation(let step): account = step.account
        case .takeover(let takeover): account = takeover.account
        default: return
        }
        state.withLock {
            if $0.watching.remove(account) != nil { $0.times.append(notice.published) }
        }
    }

    /// Watched accounts without an order yet.
    var pending: Int { state.withLock { $0.watching.count } }
    var times: [ContinuousClock.Instant] { state.withLock { $0.times } }
}

/// A producer thread offering BTC and ETH ticks alternately at a fixed rate, continuing a market walk; ``stop()``
/// returns the walk as it stands after the latest tick offered (where the next stage starts).
final class TickProducer: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let walk: Mutex<SimulatedMarket>
    private let finished = Atomic<Bool>(false)

    private init(market: SimulatedMarket) { walk = Mutex(market) }

    static func run(engine: RiskEngine, market: SimulatedMarket, rate: Double) -> TickProducer {
        let producer = TickProducer(market: market)
        let thread = Thread {
            let interval = 1 / rate
            var next = ContinuousClock.now
            var k = 0
            while !producer.stopped.load(ordering: .acquiring) {
                let update = producer.walk.withLock { $0.step(k % 2, seconds: interval, withSurface: false) }
                engine.offer(update)
                k += 1
                next = next.advanced(by: .seconds(interval))
                let wait = next - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.secondsValue) }
            }
            producer.finished.store(true, ordering: .releasing)
        }
        thread.start()
        return producer
    }

    /// Stops the thread (waits for its last tick) and returns the walk after the latest tick it offered.
    func stop() -> SimulatedMarket {
        stopped.store(true, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.001) }
        return walk.withLock { $0 }
    }
}
