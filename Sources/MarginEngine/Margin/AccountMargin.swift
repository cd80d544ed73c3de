import MarginLedger
import MarginCore

/// An account's margin figures, USD, and the health they imply (MARGIN_MODEL.md "Account requirement").
///
/// **Risk unavailable** (docs/ENGINE.md, "Fail closed"): when the account holds a nonzero position in an instrument
/// whose risk array cannot be computed, ``unpricedInstrument`` names it (the first such, by underlying name then
/// instrument id), equity is unknown (NaN), MM and IM are unbounded (+∞: never counted as zero risk) and ``health``
/// is the health last journaled for the account (no transition fires from missing data). Such an account may only
/// reduce risk: deposits, and fills that reduce an existing position without flipping it.
public struct AccountMargin: Hashable, Sendable {
    /// Equity, USD: balances at the index (stablecoins at 1), option values, unrealized futures P&L. NaN when the
    /// account's risk is unavailable.
    public var equity: Double
    /// Maintenance margin, USD (+∞ when the account's risk is unavailable).
    public var maintenanceMargin: Double
    /// Initial margin, USD (+∞ when the account's risk is unavailable).
    public var initialMargin: Double
    public var health: Health
    /// The instrument (id) whose risk array cannot be computed, when the account holds it: its risk is then
    /// unavailable. `nil` for every account whose margin is known.
    public var unpricedInstrument: String?

    public init(equity: Double, maintenanceMargin: Double, initialMargin: Double, health: Health,
                unpricedInstrument: String? = nil) {
        self.equity = equity
        self.maintenanceMargin = maintenanceMargin
        self.initialMargin = initialMargin
        self.health = health
        self.unpricedInstrument = unpricedInstrument
    }

    /// The margin of an account whose risk cannot be computed because it holds `instrument`, keeping `health`
    /// (the health last journaled for it).
    public static func unavailable(instrument: String, health: Health) -> AccountMargin {
        AccountMargin(equity: .nan, maintenanceMargin: .infinity, initialMargin: .infinity, health: health,
                      unpricedInstrument: instrument)
    }

    /// Whether the figures are known (no held instrument is unpriceable).
    public var isRiskAvailable: Bool { unpricedInstrument == nil }

    /// Equity, IM and MM as the pre-trade rule reads them (USD).
    public var figures: MarginFigures {
        MarginFigures(equity: equity, initialMargin: initialMargin, maintenanceMargin: maintenanceMargin)
    }

    /// Whether partial reduction has restored the account (docs/LIQUIDATION.md, partial reduction): its risk is available
    /// and `equity ≥ MM × (1 + buffer)`, `buffer` a fraction (``LiquidationSettings/buffer``). The one test of the
    /// target, for the planner and the validation of a `liquidationEnd` alike.
    func meetsLiquidationTarget(buffer: Double) -> Bool {
        isRiskAvailable && equity >= maintenanceMargin * (1 + buffer)
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
    /// The slot of the first instrument (in instrument-id order) the account holds a nonzero position in whose
    /// risk array could not be computed, or −1: the components above then leave it out and the account's risk is
    /// unavailable.
    var unpriced: Int32 = -1
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
