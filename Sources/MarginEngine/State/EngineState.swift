import Foundation
import MarginCore

/// The engine's single source of truth: accounts, listed instruments, markets and risk parameters, as of journal
/// sequence `sequence`. A value type: a copy is a consistent snapshot (copy-on-write, O(1) to take).
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
    /// A front end's journaled records (API keys, idempotent answers); no margin reads them.
    public var service = ServiceState()

    public init(parameters: RiskParameters = .reference) { self.parameters = parameters }

    /// Applies a validated event (see ``EngineCore`` for validation). Does not touch `sequence`.
    public mutating func apply(_ event: EngineEvent) {
        switch event {
        case .deposit(let t):
            accounts[t.account, default: AccountState()].balances[t.currency, default: 0] += t.amount
        case .withdrawal(let t):
            accounts[t.account, default: AccountState()].balances[t.currency, default: 0] -= t.amount
        case .fill(let f):
            guard let instrument = instruments[f.instrument] else { return }
            var account = accounts[f.account] ?? AccountState()
            Self.applyFill(f, instrument: instrument, to: &account)
            accounts[f.account] = account
        case .market(let m):
            // Validation built this very market before the event was journaled, so it cannot fail here.
            if let market = try? m.applied(to: markets[m.underlying]) { markets[m.underlying] = market }
            if let policy = correlationPolicy, policy.enabled {
                correlationMonitor.observe(m.underlying, at: m.time, markets: markets, configuration: policy.estimator)
            }
        case .listing(let l):
            instruments[l.id] = l.instrument
        case .expiry(let e):
            guard let instrument = instruments[e.instrument] else { return }
            for name in accounts.keys.sorted() {
                guard var account = accounts[name], let position = account.positions[e.instrument] else { continue }
                Self.settle(position, of: instrument, at: e.settlementPrice, into: &account)
                account.positions[e.instrument] = nil
                accounts[name] = account
            }
            instruments[e.instrument] = nil
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
        case .service(let s):
            service.apply(s)
        }
    }

    /// The currency an instrument settles cash in: USD (linear) or its underlying coin (inverse).
    public static func settlementCurrency(of instrument: Instrument) -> String {
        instrument.settlement == .linear ? "USD" : instrument.underlying
    }

    static func applyFill(_ f: Fill, instrument: Instrument, to account: inout AccountState) {
        let cash = settlementCurrency(of: instrument)
        account.balances[f.feeCurrency, default: 0] -= f.fee
        var position = account.positions[f.instrument] ?? PositionState(quantity: 0)
        if instrument.option != nil {
            account.balances[cash, default: 0] -= f.quantity * f.price
            position.quantity += f.quantity
            position.entryPrice = nil
        } else {
            let old = position.quantity
            let entry = position.entryPrice ?? f.price
            let q = f.quantity
            if old == 0 || (old > 0) == (q > 0) {
                // Opening or adding: average entry (arithmetic in price for linear, harmonic for inverse).
                let total = old + q
                if instrument.settlement == .linear {
                    position.entryPrice = (old * entry + q * f.price) / total
                } else {
                    position.entryPrice = total / (old / entry + q / f.price)
                }
                position.quantity = total
            } else {
                // Reducing (and possibly flipping): realize P&L on the closed part.
                let closing = abs(q) < abs(old) ? q : -old
                let closed = -closing  // signed like `old`
                let pnl = instrument.settlement == .linear
                    ? closed * (f.price - entry)
                    : closed * (1 / entry - 1 / f.price)
                account.balances[cash, default: 0] += pnl
                position.quantity = old + q
                if position.quantity == 0 {
                    position.entryPrice = nil
                } else if (position.quantity > 0) != (old > 0) {
                    position.entryPrice = f.price
                }
            }
        }
        account.positions[f.instrument] = position.quantity == 0 ? nil : position
    }

    static func settle(_ position: PositionState, of instrument: Instrument, at s: Decimal,
                       into account: inout AccountState) {
        let cash = settlementCurrency(of: instrument)
        let q = position.quantity
        switch instrument.kind {
        case .option(let c):
            let k = Decimal(string: "\(c.strike)") ?? Decimal(c.strike)
            let intrinsic = c.right == .call ? max(s - k, 0) : max(k - s, 0)
            account.balances[cash, default: 0] += instrument.settlement == .linear ? q * intrinsic : q * intrinsic / s
        case .future, .perpetual:
            let entry = position.entryPrice ?? s
            account.balances[cash, default: 0] += instrument.settlement == .linear
                ? q * (s - entry) : q * (1 / entry - 1 / s)
        }
    }
}
