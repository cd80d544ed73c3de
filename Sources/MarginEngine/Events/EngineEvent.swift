import Foundation
import MarginCore

/// Every change to the engine's state is one of these events. Each is validated, appended to the journal and only
/// then applied; replaying the journal's events in order rebuilds the state exactly.
///
/// Money fields (amounts, prices, fees, quantities) are exact `Decimal`s; market data (index, forwards, vols) are
/// `Double`s, as the scenario revaluation consumes them.
public enum EngineEvent: Hashable, Sendable {
    /// Money in: `amount` (> 0) units of `currency` credited to the account (created on its first deposit).
    case deposit(Transfer)
    /// Money out: rejected when it exceeds the balance or leaves equity below initial margin.
    case withdrawal(Transfer)
    /// A trade: rejected when it leaves equity below initial margin.
    case fill(Fill)
    /// New index/forwards and/or vol surface of one underlying (creates the underlying on first sight).
    case market(MarketUpdate)
    /// A new listed instrument.
    case listing(Listing)
    /// Settles every position in an instrument at the settlement price and delists it.
    case expiry(Expiry)
    /// New risk parameters for every account.
    case parameters(RiskParameters)
    /// The correlation table between underlyings' price moves (the whole table, replacing the current one; unlisted
    /// pairs have ρ = 0). Used by `correlated` mode; every account is re-margined when that mode is active.
    /// `provenance` is set when the dynamic rule produced it (``EngineState/pendingCorrelationUpdate()``): the
    /// sources per pair, written in the same payload; `nil` for a table set by an operator.
    case correlations(CorrelationTable, provenance: CorrelationProvenance? = nil)
    /// A cross rate's market (`market.json`'s `crossRates` entry, whole): the dynamic table's implied correlation.
    case crossRate(CrossRateUpdate)
    /// How the engine derives the correlation table from the market (``CorrelationPolicy``).
    case correlationPolicy(CorrelationPolicy)
    /// An account's health changed (engine-generated; journaled and published).
    case health(HealthChange)
    /// A front end's journaled record: an API key, its revocation, an idempotent request's answer
    /// (``ServiceEvent``; no margin reads it).
    case service(ServiceEvent)

    /// The event's kind as written in the journal (`"type"`).
    public var kind: String {
        switch self {
        case .deposit: return "deposit"
        case .withdrawal: return "withdrawal"
        case .fill: return "fill"
        case .market: return "market"
        case .listing: return "listing"
        case .expiry: return "expiry"
        case .parameters: return "parameters"
        case .correlations: return "correlations"
        case .crossRate: return "crossRate"
        case .correlationPolicy: return "correlationPolicy"
        case .health: return "health"
        case .service(let s): return s.kind
        }
    }
}

/// A deposit or withdrawal: `amount` units of `currency` (coins, or USD for stablecoins), exact.
public struct Transfer: Hashable, Sendable {
    public var account: String
    public var currency: String
    /// Units of `currency`, > 0.
    public var amount: Decimal

    public init(account: String, currency: String, amount: Decimal) {
        self.account = account
        self.currency = currency
        self.amount = amount
    }
}

/// One execution for one account.
///
/// - `quantity`: signed (buy > 0): coins for options, linear futures and perpetuals; USD notional for inverse
///   futures and perpetuals.
/// - `price`: USD per coin, except inverse options, whose premium is quoted in coins per coin (Deribit style).
/// - `fee`: in `feeCurrency` (a stablecoin or an underlying), debited; negative for a rebate.
///
/// Cash effects: option premium `quantity·price` is paid in USD (linear) or in the coin (inverse); futures and
/// perpetuals carry an average entry price and realize P&L into USD (linear: `q·(price − entry)`) or the coin
/// (inverse: `N·(1/entry − 1/price)`) when reduced.
public struct Fill: Hashable, Sendable {
    public var account: String
    /// A listed instrument's id.
    public var instrument: String
    public var quantity: Decimal
    public var price: Decimal
    public var fee: Decimal
    public var feeCurrency: String

    public init(account: String, instrument: String, quantity: Decimal, price: Decimal, fee: Decimal = 0,
                feeCurrency: String = "USD") {
        self.account = account
        self.instrument = instrument
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.feeCurrency = feeCurrency
    }
}

/// A market update of one underlying at `time` (its new valuation time; never earlier than the current one), in
/// the terms of `market.json`'s underlyings. Absent fields keep their current values; `forwards`, when given,
/// replaces the whole curve; `surface`, when given, replaces the whole vol surface, and an empty one removes it
/// (refused while options of the underlying are listed). The surface is always rebuilt from its quotes against the
/// forwards as of the update (``UnderlyingMarket/updated(time:index:rate:forwards:perpetualPrice:volQuotes:path:)``).
public struct MarketUpdate: Hashable, Sendable {
    public var underlying: String
    public var time: Instant
    /// Index price, USD per coin (> 0).
    public var index: Double?
    /// Annual continuously compounded rate.
    public var rate: Double?
    /// Forward prices by expiry, USD per coin.
    public var forwards: [Instant: Double]?
    /// The perpetual's price, USD per coin (perpetuals are marked at it; at the index while none was ever given).
    /// Kept until the next update that gives one, like every other field.
    public var perpetualPrice: Double?
    /// The whole implied-vol surface as quoted (`[]` removes it).
    public var surface: [VolQuote]?

    public init(underlying: String, time: Instant, index: Double? = nil, rate: Double? = nil,
                forwards: [Instant: Double]? = nil, perpetualPrice: Double? = nil, surface: [VolQuote]? = nil) {
        self.underlying = underlying
        self.time = time
        self.index = index
        self.rate = rate
        self.forwards = forwards
        self.perpetualPrice = perpetualPrice
        self.surface = surface
    }
}

/// Lists `instrument` under `id` (unique, e.g. `BTC-2026-03-27-100000-C-inverse`).
public struct Listing: Hashable, Sendable {
    public var id: String
    public var instrument: Instrument

    public init(id: String, instrument: Instrument) {
        self.id = id
        self.instrument = instrument
    }
}

/// Expires instrument `instrument` at `settlementPrice` (USD per coin).
///
/// Options pay `q·max(±(S − K), 0)` USD (linear) or `q·max(±(S − K), 0)/S` coins (inverse); futures pay
/// `q·(S − entry)` USD (linear) or `N·(1/entry − 1/S)` coins (inverse). Perpetuals do not expire.
public struct Expiry: Hashable, Sendable {
    public var instrument: String
    public var settlementPrice: Decimal

    public init(instrument: String, settlementPrice: Decimal) {
        self.instrument = instrument
        self.settlementPrice = settlementPrice
    }
}

/// An account moved from one health state to another; the margin figures (USD) are those that caused it.
public struct HealthChange: Hashable, Sendable {
    public var account: String
    public var from: Health
    public var to: Health
    /// Equity, maintenance and initial margin, USD, when the change was detected.
    public var equity: Double
    public var maintenanceMargin: Double
    public var initialMargin: Double

    public init(account: String, from: Health, to: Health, equity: Double, maintenanceMargin: Double,
                initialMargin: Double) {
        self.account = account
        self.from = from
        self.to = to
        self.equity = equity
        self.maintenanceMargin = maintenanceMargin
        self.initialMargin = initialMargin
    }
}
