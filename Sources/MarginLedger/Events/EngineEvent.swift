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
    /// A trade between two accounts (both pass ``PreTradeRule``; the fees go to the fee account).
    case trade(Trade)
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
    /// A front end's journaled record (an API key, an idempotent request's answer): an opaque envelope the engine
    /// keeps (``EngineState/frontEnd``) and never interprets; no margin reads it.
    case frontEnd(FrontEndRecord)
    /// The resting liquidity of one instrument (its whole ladder, replacing the previous one).
    case book(BookUpdate)
    /// The liquidation settings and system account names (whole, replacing the current ones).
    case liquidationSettings(LiquidationSettings)
    /// Journal time passes without market data (the engine's time is the latest market or clock time).
    case clock(Instant)
    /// Engine-generated (docs/LIQUIDATION.md): an account entered liquidation; opens its liquidation.
    case marginCall(MarginCall)
    /// Engine-generated: one partial-reduction step (the account against book levels' owners, the fee to the fund).
    case liquidation(LiquidationStep)
    /// Engine-generated: partial reduction restored the account (equity ≥ MM × (1 + buffer)); closes its liquidation.
    case liquidationEnd(LiquidationEnd)
    /// Engine-generated: the account's whole portfolio to backstops and the insurance fund, its balances to the fund.
    case takeover(Takeover)
    /// Engine-generated: one auto-deleveraging fill against an opposite-side position at the bankruptcy price.
    case deleverage(Deleverage)
    /// Engine-generated: a ledger invariant failed; liquidation halts until new settings are journaled.
    case alert(LiquidationAlert)

    /// The event's kind as written in the journal (`"type"`).
    public var kind: String {
        switch self {
        case .deposit: return "deposit"
        case .withdrawal: return "withdrawal"
        case .trade: return "trade"
        case .market: return "market"
        case .listing: return "listing"
        case .expiry: return "expiry"
        case .parameters: return "parameters"
        case .correlations: return "correlations"
        case .crossRate: return "crossRate"
        case .correlationPolicy: return "correlationPolicy"
        case .health: return "health"
        case .frontEnd: return "frontEnd"
        case .book: return "book"
        case .liquidationSettings: return "liquidationSettings"
        case .clock: return "clock"
        case .marginCall: return "marginCall"
        case .liquidation: return "liquidation"
        case .liquidationEnd: return "liquidationEnd"
        case .takeover: return "takeover"
        case .deleverage: return "deleverage"
        case .alert: return "alert"
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

/// A trade between two accounts: `buyer` buys `quantity` of `instrument` from `seller` at `price`.
///
/// - `quantity` (> 0): coins for options, linear futures and perpetuals; USD notional for inverse futures and
///   perpetuals.
/// - `price`: USD per coin, except inverse options, whose premium is quoted in coins per coin (Deribit style).
/// - `buyerFee`, `sellerFee`: in `feeCurrency` (a stablecoin or an underlying), debited from each side and credited
///   to the fee account; 0 allowed, negative for a rebate (paid by the fee account).
///
/// Cash effects (``Ledger``): option premium `round(q·price)` from the buyer to the seller, in USD (linear) or the
/// coin (inverse); futures and perpetuals carry an exact cost basis and realize P&L into USD (linear) or the coin
/// (inverse) when reduced. The buyer's position grows by `quantity`, the seller's shrinks by it: open interest nets
/// to zero per instrument.
public struct Trade: Hashable, Sendable {
    public var buyer: String
    public var seller: String
    /// A listed instrument's id.
    public var instrument: String
    public var quantity: Decimal
    public var price: Decimal
    public var buyerFee: Decimal
    public var sellerFee: Decimal
    public var feeCurrency: String

    public init(buyer: String, seller: String, instrument: String, quantity: Decimal, price: Decimal,
                buyerFee: Decimal = 0, sellerFee: Decimal = 0, feeCurrency: String = "USD") {
        self.buyer = buyer
        self.seller = seller
        self.instrument = instrument
        self.quantity = quantity
        self.price = price
        self.buyerFee = buyerFee
        self.sellerFee = sellerFee
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
/// Options pay `q·max(±(S − K), 0)` USD (linear) or `q·round(max(±(S − K), 0)/S)` coins (inverse); futures pay
/// `q·S − cost` USD (linear) or `cost − N/S` coins (inverse), each rounded to the ledger's scale; the rounding residue
/// (0 when every product is exact) goes to the fee account, so money is conserved exactly. Perpetuals do not expire.
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
