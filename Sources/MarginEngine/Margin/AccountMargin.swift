import MarginCore

/// An account's margin figures, USD, and the health they imply (MARGIN_MODEL.md "Account requirement").
public struct AccountMargin: Hashable, Sendable {
    /// Equity, USD: balances at the index (stablecoins at 1), option values, unrealized futures P&L.
    public var equity: Double
    /// Maintenance margin, USD.
    public var maintenanceMargin: Double
    /// Initial margin, USD.
    public var initialMargin: Double
    public var health: Health

    public init(equity: Double, maintenanceMargin: Double, initialMargin: Double, health: Health) {
        self.equity = equity
        self.maintenanceMargin = maintenanceMargin
        self.initialMargin = initialMargin
        self.health = health
    }

    /// Equity, IM and MM as the pre-trade rule reads them (USD).
    public var figures: MarginFigures {
        MarginFigures(equity: equity, initialMargin: initialMargin, maintenanceMargin: maintenanceMargin)
    }

    public static let empty = AccountMargin(equity: 0, maintenanceMargin: 0, initialMargin: 0, health: .healthy)

    /// Distance to liquidation as a fraction of MM: `(equity − MM) / MM`; `+∞` without requirement. Smaller is
    /// nearer to liquidation; the engine re-margins accounts in this order.
    public var cushion: Double {
        maintenanceMargin > 0 ? (equity - maintenanceMargin) / maintenanceMargin : .infinity
    }
}

/// The per-underlying margin components of one account, USD (cached so that a market update of one underlying
/// re-aggregates only that underlying).
struct UnderlyingSummary: Hashable, Sendable {
    var scan = 0.0
    var extreme = 0.0
    var som = 0.0
    var roll = 0.0
    var liquidationCost = 0.0
    /// Equity from this underlying: coin balance at the index + option values + unrealized futures P&L.
    var value = 0.0
    /// The account has a coin balance or a position in the underlying.
    var exposed = false
}

/// One position of an account as the hot loop reads it.
struct PositionSlot: Hashable, Sendable {
    /// Instrument slot in the ``RiskBook``.
    var instrument: Int32
    /// Underlying slot.
    var underlying: Int32
    /// Coins, or USD notional for inverse futures/perpetuals.
    var size: Double
    /// Entry price of a future/perpetual, USD per coin; NaN when none (options).
    var entry: Double
}
