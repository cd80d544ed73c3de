import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// The simulated venue that drives an engine, for `margin engine run` (``SimulationRun``) and `margin serve --demo`
/// (and `margin-bench serve`): a seeded population as a new journal's genesis (``Population``, funded from the
/// engine's margins), the correlation table a new journal starts with, index ticks offered to the engine's
/// conflated feed, and simulated deposits and two-sided trades.
///
/// - Ticks: a random walk with jumps (``SimulatedMarket``) continued from the engine's markets, one underlying after
///   the other at ``rate`` per second (all underlyings), the surface moving every 10th tick, offered from a thread
///   of their own on a fixed schedule (a late tick is not waited for).
/// - Trades: at ``trades`` per second on a fixed schedule, 30% deposits of 1–10,000 USD to a generated account, the
///   rest two-sided trades (``TradeFlow``: a generated account against a liquidity provider, at the engine's
///   current marks). Rejections are expected: some accounts cannot afford their trade.
///
/// The genesis, the walk and the trades are deterministic in ``seed``, unless ``seedsFromClock`` (the demo: another
/// walk and trade stream at every start); when they happen is the clock's.
///
/// ```swift
/// var driver = SimulationDriver()
/// driver.accounts = 500
/// let engine = try await RiskEngine.open(store: store, genesis: driver.genesis())
/// try await driver.journalCorrelations(engine)
/// ```
public struct SimulationDriver: Sendable {
    /// Generated accounts, positions per account and listed options per underlying (of a new journal's genesis).
    public var accounts = 10_000
    public var positions = 10
    public var options = 1_000
    /// Index ticks offered per second (all underlyings; > 0).
    public var rate = 200.0
    /// Simulated deposits and trades submitted per second (0: none).
    public var trades = 20.0
    public var seed: UInt64 = 1
    /// ρ(BTC, ETH) (the first two underlyings), journaled on a new journal.
    public var rho = 0.8
    /// Whether the walk and the trades are seeded from the wall clock too (seconds since 1970 added to ``seed``).
    public var seedsFromClock = false

    public init() {}

    /// The genesis of a new journal: the simulated market, its listings and the generated accounts, funded from the
    /// engine's margins under `parameters`.
    public func genesis(parameters: RiskParameters = .reference) -> EngineState {
        Population.genesis(market: SimulatedMarket(seed: seed), optionsPerUnderlying: options, accounts: accounts,
                           positionsPerAccount: positions, seed: seed &+ 1, parameters: parameters,
                           margins: { $0.accountRequirements() })
    }

    /// Journals ρ between the first two underlyings (``rho``): the first event of a new journal, so that the state
    /// carries the table `correlated` mode uses.
    public func journalCorrelations(_ engine: RiskEngine) async throws(EngineError) {
        let market = SimulatedMarket(seed: seed)
        var correlations = CorrelationTable()
        correlations.set(market.underlyings[0].name, market.underlyings[1].name, rho: rho)
        try await engine.submit(EngineEvent.correlations(correlations))
    }

    /// Starts offering ticks to `engine` at ``rate`` per second from a thread of its own, continuing the walk from
    /// `markets` (the engine's: each underlying's index, the latest time), until `stop` is set.
    public func startTicks(into engine: RiskEngine, continuing markets: [String: UnderlyingMarket],
                           until stop: StopFlag) {
        var market = SimulatedMarket(seed: seed &+ clockSeed)
        for i in market.underlyings.indices {
            if let m = markets[market.underlyings[i].name] {
                market.underlyings[i].index = m.index
                market.time = max(market.time, m.time)
            }
        }
        let interval = 1 / rate
        let producer = Thread { [market] in
            var market = market
            var next = ContinuousClock.now
            var k = 0
            while !stop.isSet {
                let i = k % market.underlyings.count
                engine.offer(market.step(i, seconds: interval, withSurface: k % 10 == 0))
                k += 1
                next = next.advanced(by: .seconds(interval))
                let wait = next - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.secondsValue) }
            }
        }
        producer.start()
    }

    /// Submits deposits and trades among `state`'s accounts to `engine` at ``trades`` per second until `stopped()`.
    /// A submission the engine refuses goes to `refused`; after a storage fault the next waits `faultPause` (while
    /// the engine is faulted, submits fail fast: do not spin).
    public func submitTrades(to engine: RiskEngine, state: EngineState, faultPause: Duration,
                             until stopped: () -> Bool, refused: (EngineError) -> Void = { _ in }) async {
        let flow = TradeFlow(state: state)
        guard trades > 0, !flow.traders.isEmpty else { return }
        var rng = SplitMix64(seed: seed &+ 99 &+ clockSeed)
        var next = ContinuousClock.now
        while !stopped() {
            next = next.advanced(by: .seconds(1 / trades))
            if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
            let event: EngineEvent
            if rng.unit() < 0.3 {
                let account = flow.traders[Int(rng.next() % UInt64(flow.traders.count))]
                let amount = Decimal(Int(rng.next() % 10_000) + 1)
                event = .deposit(Transfer(account: account, currency: "USD", amount: amount))
            } else {
                guard let trade = flow.trade(markets: await engine.markets, rng: &rng) else { continue }
                event = trade
            }
            do {
                try await engine.submit(event)
            } catch {
                refused(error)
                if error.isStorageFault { try? await Task.sleep(for: faultPause) }
            }
        }
    }

    /// Seconds since 1970 when ``seedsFromClock``, else 0.
    private var clockSeed: UInt64 { seedsFromClock ? UInt64(Date().timeIntervalSince1970) : 0 }
}
