import Foundation
import MarginCore

/// The engine's single source of truth: accounts, listed instruments, markets, risk parameters, order books, the
/// liquidation settings and liquidations in progress, as of journal sequence `sequence`. A value type: a copy is a
/// consistent snapshot (copy-on-write, O(1) to take).
///
/// ``apply(_:)`` is deterministic and never fails: it is only called on events already validated (live) or read
/// back from the journal (recovery), so replaying the journal reproduces the state exactly.
public struct EngineState: Hashable, Sendable {
    /// Sequence number of the last applied event (0 = empty).
    public var sequence: UInt64 = 0
    public var accounts: [String: AccountState] = [:]
    /// Listed instruments by id.
    public var instruments: [String: Instrument] = [:]
    /// Markets by underlying: the core's ``UnderlyingMarket`` (index, rate, forwards, perpetual price, vol surface
    /// with its quotes), valued at the time of the underlying's last update.
    public var markets: [String: UnderlyingMarket] = [:]
    public var parameters: RiskParameters = .reference
    /// Correlations between underlyings' price moves (`correlated` mode); unlisted pairs have ρ = 0.
    public var correlations = CorrelationTable()
    /// How the table is derived from the market (`nil`: only operators' `correlations` events set it).
    public var correlationPolicy: CorrelationPolicy?
    /// The realized estimators fed by this state's market events while the policy is enabled (empty otherwise).
    public var correlationMonitor = CorrelationMonitor()
    /// Where the table in force came from, when the dynamic rule journaled it (`nil` for an operator's table).
    public var correlationProvenance: CorrelationProvenance?
    /// Cross rates by pair (either orientation): implied correlation for the dynamic table; no margin reads them.
    public var crossRates: [UnderlyingPair: CrossRate] = [:]
    /// A front end's journaled records (API keys, idempotent answers), opaque; no margin reads them.
    public var frontEnd = FrontEndRecords()
    /// Resting liquidity by instrument id (`book` events; liquidation fills consume it).
    public var books: [String: OrderBook] = [:]
    /// How the engine liquidates, and the system accounts' names.
    public var liquidation = LiquidationSettings()
    /// Liquidations in progress, by account (opened by a margin call).
    public var liquidations: [String: LiquidationEpisode] = [:]
    /// The latest `clock` event's time (the engine's time is the later of it and every market's time).
    public var clock: Instant?
    /// Σ deposits and Σ withdrawals per currency, exact (the money invariant's right-hand side).
    public var deposits: [String: Decimal] = [:]
    public var withdrawals: [String: Decimal] = [:]
    /// Why liquidation is halted (a journaled ``LiquidationAlert``), `nil` while it runs.
    public var liquidationHalt: String?

    public init(parameters: RiskParameters = .reference) { self.parameters = parameters }

    /// The engine's time: the latest journaled market or clock time (never the wall clock); the epoch when there
    /// is neither.
    public var time: Instant {
        var t = clock ?? Instant(nanosecondsSinceEpoch: .min)
        for m in markets.values where m.valuationTime > t { t = m.valuationTime }
        return t.nanosecondsSinceEpoch == .min ? Instant(nanosecondsSinceEpoch: 0) : t
    }

    /// Applies a validated event (see ``EngineCore`` for validation). Does not touch `sequence`.
    public mutating func apply(_ event: EngineEvent) {
        switch event {
        case .deposit(let t):
            accounts[t.account, default: AccountState()].balances[t.currency, default: 0] += t.amount
            deposits[t.currency, default: 0] += t.amount
        case .withdrawal(let t):
            accounts[t.account, default: AccountState()].balances[t.currency, default: 0] -= t.amount
            withdrawals[t.currency, default: 0] += t.amount
        case .trade(let t):
            applyTrade(t)
        case .market(let m):
            // Validation built this very market before the event was journaled, so it cannot fail here.
            if let market = try? m.applied(to: markets[m.underlying]) { markets[m.underlying] = market }
            if let policy = correlationPolicy, policy.enabled {
                correlationMonitor.observe(m.underlying, at: m.time, markets: markets, configuration: policy.estimator)
            }
        case .listing(let l):
            instruments[l.id] = l.instrument
        case .expiry(let e):
            applyExpiry(e)
        case .parameters(let p):
            parameters = p
        case .correlations(let table, let provenance):
            correlations = table
            correlationProvenance = provenance
        case .crossRate(let c):
            if let cross = try? c.crossRate() { crossRates[c.pair] = cross }
        case .correlationPolicy(let policy):
            // The estimators restart (warm-up again) when what they estimate changes; threshold, interval, tenor,
            // age limit and fallback apply to them as they are.
            let restart = !policy.enabled || correlationPolicy?.enabled != true
                || correlationPolicy?.estimator != policy.estimator
            if restart {
                correlationMonitor = CorrelationMonitor()
            }
            correlationPolicy = policy
        case .health(let h):
            accounts[h.account, default: AccountState()].health = h.to
        case .frontEnd(let r):
            frontEnd.apply(r)
        case .book(let b):
            books[b.instrument] = b.book.bids.isEmpty && b.book.asks.isEmpty ? nil : b.book
        case .liquidationSettings(let s):
            liquidation = s
            liquidationHalt = nil
        case .clock(let t):
            clock = max(clock ?? t, t)
        case .marginCall(let c):
            liquidations[c.account] = LiquidationEpisode(since: c.time)
        case .liquidation(let step):
            applyLiquidationStep(step)
        case .liquidationEnd(let e):
            liquidations[e.account] = nil
        case .takeover(let t):
            applyTakeover(t)
        case .deleverage(let d):
            applyDeleverage(d)
        case .alert(let a):
            if a.kind == .violation { liquidationHalt = a.reason }
        }
    }

    /// The currency an instrument settles cash in: USD (linear) or its underlying coin (inverse).
    public static func settlementCurrency(of instrument: Instrument) -> String {
        Ledger.settlementCurrency(of: instrument)
    }
}
