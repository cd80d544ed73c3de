import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// A crash replay (`margin simulate`): a population (``CrashPopulation``) through a price path with the engine,
/// the order books and the liquidation engine live, on a journal; what happened, step by step, and in sum.
///
/// Per point of the path: one `market` event per underlying (the index × the path's factor; every vol of the
/// starting surface × the path's vol factor, sticky in strike), instruments that expire on the way settled at the
/// index first, the books re-centred on the new marks (``SyntheticBook/events(for:owners:)``), then `clock` events
/// one second apart while liquidations are in progress, so the liquidation engine runs its rounds in journal time
/// (its rounds per second), until it has nothing left to do or the next point comes. Every decision the engine makes
/// is a journaled event; the summary is read back from the journal.
public enum CrashReplay {
    /// What to replay.
    public struct Configuration: Sendable {
        public var path: PricePath
        /// Traders in the population.
        public var accounts = 2_000
        /// The insurance fund at the start, USD.
        public var insuranceFund: Decimal = 1_000_000
        public var seed: UInt64 = 1
        /// Options listed per underlying.
        public var optionsPerUnderlying = 40
        /// The most `clock` events between two points of the path (bounds the run's length).
        public var maxClockTicksPerPoint = 600
        /// How the engine paces liquidation (slices; the journal does not depend on it).
        public var pacing = FollowUpPacing()

        public init(path: PricePath) { self.path = path }
    }

    /// The state after one point of the path.
    public struct Point: Hashable, Sendable {
        /// Seconds since the start.
        public var seconds: Int64
        /// Index per underlying, USD per coin.
        public var index: [String: Double]
        /// Accounts by health (every account the engine margins).
        public var health: [Health: Int]
        /// The insurance fund's equity, USD.
        public var insuranceFund: Double
        /// USD notional executed by liquidation steps since the previous point.
        public var liquidationVolume: Double
        /// USD notional the books absorb within the impact limit, summed over instruments, at this point.
        public var bookDepth: Double
    }

    /// The outcome.
    public struct Result: Sendable {
        public var scenario: String
        public var summary: String
        public var accounts: Int
        public var points: [Point]
        public var marginCalls = 0
        /// Liquidation steps (partial reductions and hedges).
        public var partialLiquidations = 0
        /// Accounts that had at least one partial step.
        public var accountsPartiallyLiquidated = 0
        public var takeovers = 0
        /// ADL fills (one per counterparty and instrument).
        public var adlEvents = 0
        public var alerts: [String] = []
        public var insuranceFundStart = 0.0
        public var insuranceFundEnd = 0.0
        public var insuranceFundMin = 0.0
        /// Losses borne by deleveraged counterparties, USD: Σ over ADL fills of |fill − mark| × quantity.
        public var socializedLoss = 0.0
        /// The same population under the legacy models.
        public var legacy: [LegacyCrashOutcome] = []
        /// The ledger invariants at the end (empty: every one holds).
        public var invariantViolations: [String] = []
        public var sequence: UInt64 = 0
        public var marginDigest = ""
        /// Wall time of the replay (not of the legacy comparison), seconds.
        public var wallSeconds = 0.0
        /// Liquidation actions journaled (steps, takeovers, ADL fills, ends).
        public var liquidationActions = 0
    }

    /// Runs the replay on `store` (a new, empty journal).
    ///
    /// - Parameters:
    ///   - legacy: whether to compute the legacy models' outcome (``Result/legacy``) too.
    ///   - progress: called after every point with a one-line status.
    /// - Throws: ``EngineError`` when the journal fails, or when the store is not empty.
    public static func run(_ c: Configuration, store: any JournalStore, legacy: Bool = true,
                           progress: @Sendable (String) -> Void = { _ in }) async throws(EngineError) -> Result {
        guard try await store.lastSequence() == 0 else {
            throw .invalid(field: "--db", reason: "the journal is not empty: a replay starts a new journal")
        }
        let market = SimulatedMarket(seed: c.seed)
        let genesis = CrashPopulation.genesis(market: market, accounts: c.accounts,
                                              optionsPerUnderlying: c.optionsPerUnderlying, seed: c.seed &+ 1,
                                              insuranceFund: c.insuranceFund,
                                              margins: { $0.accountRequirements() })
        let engine = try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: .stop)
        await engine.setFollowUpPacing(c.pacing)
        let start = ContinuousClock.now
        var result = Result(scenario: c.path.name, summary: c.path.summary, accounts: c.accounts, points: [])
        let fund = genesis.liquidation.insuranceFund
        let owners = CrashPopulation.providers()
        let startIndex = Dictionary(uniqueKeysWithValues: genesis.markets.map { ($0.key, $0.value.index) })
        let startQuotes = genesis.markets.mapValues { $0.volSurface?.quotes ?? [] }
        let t0 = genesis.time
        result.insuranceFundStart = await engine.margin(of: fund)?.equity ?? 0
        result.insuranceFundMin = result.insuranceFundStart
        var read = await engine.sequence
        var partiallyLiquidated = Set<String>()
        do throws(EngineError) {
            for step in c.path.steps.dropFirst() {
                let time = t0.adding(seconds: step.seconds)
                try await expireInstruments(engine, before: time)
                var updates: [MarketUpdate] = []
                for name in c.path.underlyings.sorted() {
                    guard let s0 = startIndex[name], let f = step.index[name] else { continue }
                    let v = step.vol[name] ?? 1
                    let quotes = (startQuotes[name] ?? []).filter { $0.expiry > time }.map {
                        VolQuote(expiry: $0.expiry, strikes: $0.strikes, vols: $0.vols.map { $0 * v })
                    }
                    updates.append(MarketUpdate(underlying: name, time: time, index: s0 * f,
                                                surface: quotes.isEmpty ? nil : quotes))
                }
                let ack = try await engine.submitMarkets(updates)
                if let (update, error) = ack.rejected.first {
                    throw EngineError.invalid(field: "path.\(update.underlying)", reason: "\(error)")
                }
                for event in SyntheticBook.events(for: await engine.state, owners: owners) {
                    try await engine.submit(event)
                }
                let depth = bookDepth(await engine.state)
                var tick = 0
                while tick < c.maxClockTicksPerPoint, await !engine.state.liquidations.isEmpty {
                    tick += 1
                    let before = await engine.sequence
                    try await engine.submit(.clock(time.adding(seconds: Int64(tick))))
                    if await engine.sequence == before + 1 { break }  // nothing but the clock: nothing is due
                }
                // Read back what the engine journaled since the previous point.
                var volume = 0.0
                let now = await engine.state
                for record in try await store.allRecords(after: read) {
                    guard let event = try? EngineEvent(payload: record.payload) else { continue }
                    tally(event, in: now, into: &result, volume: &volume, partial: &partiallyLiquidated)
                }
                read = await engine.sequence
                let fundEquity = await engine.margin(of: fund)?.equity ?? 0
                result.insuranceFundMin = min(result.insuranceFundMin, fundEquity)
                let counts = await engine.healthCounts
                result.points.append(Point(seconds: step.seconds, index: updates.reduce(into: [:]) {
                    $0[$1.underlying] = $1.index ?? 0
                }, health: counts, insuranceFund: fundEquity, liquidationVolume: volume, bookDepth: depth))
                progress(String(format: "t+%6.2f h  BTC %9.2f  liquidation %d  takeover %d  fund %.0f USD",
                                Double(step.seconds) / 3_600, step.index["BTC"].map { ($0) * (startIndex["BTC"] ?? 0) } ?? 0,
                                counts[.liquidation] ?? 0, counts[.takeover] ?? 0, fundEquity))
            }
        } catch {
            await engine.close()
            throw error
        }
        result.accountsPartiallyLiquidated = partiallyLiquidated.count
        result.insuranceFundEnd = await engine.margin(of: fund)?.equity ?? 0
        result.invariantViolations = await engine.checkInvariants()
        result.sequence = await engine.sequence
        result.marginDigest = await engine.marginDigest
        result.wallSeconds = (ContinuousClock.now - start).secondsValue
        await engine.close()
        if legacy { result.legacy = LegacyCrashOutcome.compute(genesis: genesis, path: c.path) }
        return result
    }

    /// Settles every listed instrument expiring at or before `time` at its underlying's index (the engine refuses
    /// to move time past a listed expiry).
    static func expireInstruments(_ engine: RiskEngine, before time: Instant) async throws(EngineError) {
        let state = await engine.state
        for id in state.instruments.keys.sorted() {
            guard let i = state.instruments[id], let expiry = i.expiry, expiry <= time,
                  let s = state.markets[i.underlying]?.index else { continue }
            let price = Decimal(Int64((s * 100).rounded())) / 100
            try await engine.submit(.expiry(Expiry(instrument: id, settlementPrice: price)))
        }
    }

    /// USD notional the books absorb within the impact limit, summed over instruments.
    static func bookDepth(_ state: EngineState) -> Double {
        let limit = Money.double(state.liquidation.impactLimit)
        var total = 0.0
        for (id, book) in state.books {
            guard let instrument = state.instruments[id], let market = state.markets[instrument.underlying] else {
                continue
            }
            let s = market.index
            for side in [OrderBook.Side.buy, .sell] {
                guard let best = book.levels(facing: side).first else { continue }
                let bound = Money.double(best.price) * (side == .buy ? 1 + limit : 1 - limit)
                let depth = Money.double(book.depth(side, within: Decimal(bound)))
                total += instrument.isSizedByNotional ? depth : depth * s
            }
        }
        return total
    }

    /// The USD notional of `size` of `instrument` at `price` (the trade units of ``BookLevel``): coins × price for
    /// linear instruments, the notional itself for inverse futures and perpetuals, coins × index for inverse options.
    static func notional(_ size: Decimal, price: Decimal, of instrument: Instrument?, index: Double) -> Double {
        guard let instrument else { return 0 }
        if instrument.isSizedByNotional { return abs(Money.double(size)) }
        if instrument.option != nil, instrument.settlement == .inverse { return abs(Money.double(size)) * index }
        return abs(Money.double(size)) * Money.double(price)
    }

    /// The USD loss of a counterparty filled at `price` instead of `mark` for `size` of `instrument`.
    static func priceLoss(_ size: Decimal, price: Decimal, mark: Decimal, of instrument: Instrument?,
                          index: Double) -> Double {
        guard let instrument else { return 0 }
        let q = abs(Money.double(size))
        let p = Money.double(price)
        let m = Money.double(mark)
        if instrument.isSizedByNotional { return q * abs(1 / m - 1 / p) * index }
        if instrument.option != nil, instrument.settlement == .inverse { return q * abs(p - m) * index }
        return q * abs(p - m)
    }

    /// Counts one journaled event (`state`: the engine's instruments and indices, for USD amounts).
    static func tally(_ event: EngineEvent, in state: EngineState, into r: inout Result, volume: inout Double,
                      partial: inout Set<String>) {
        func index(_ id: String) -> Double {
            state.instruments[id].flatMap { state.markets[$0.underlying]?.index } ?? 0
        }
        switch event {
        case .marginCall: r.marginCalls += 1
        case .liquidation(let step):
            r.partialLiquidations += 1
            r.liquidationActions += 1
            partial.insert(step.account)
            let instrument = state.instruments[step.instrument]
            volume += step.fills.reduce(0) {
                $0 + notional($1.size, price: $1.price, of: instrument, index: index(step.instrument))
            }
        case .liquidationEnd: r.liquidationActions += 1
        case .takeover:
            r.takeovers += 1
            r.liquidationActions += 1
        case .deleverage(let d):
            r.adlEvents += 1
            r.liquidationActions += 1
            r.socializedLoss += priceLoss(d.quantity, price: d.price, mark: d.markPrice,
                                          of: state.instruments[d.instrument], index: index(d.instrument))
        case .alert(let a): r.alerts.append("\(a.kind.rawValue): \(a.reason)")
        default: break
        }
    }
}
