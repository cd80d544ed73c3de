import Foundation
import MarginCore

/// One account's ledger: exact balances and positions, and the health last journaled for it.
public struct AccountState: Hashable, Sendable {
    /// Balances by currency (coins, or USD for stablecoins), exact. Positive = owned.
    public var balances: [String: Decimal] = [:]
    /// Open positions by instrument id.
    public var positions: [String: PositionState] = [:]
    /// Health as of the last journaled ``HealthChange`` (`healthy` for a new account).
    public var health: Health = .healthy

    public init(balances: [String: Decimal] = [:], positions: [String: PositionState] = [:], health: Health = .healthy) {
        self.balances = balances
        self.positions = positions
        self.health = health
    }
}

/// A position in one instrument: its signed size and its exact cost basis (docs/LIQUIDATION.md, "The ledger").
///
/// - `quantity`: coins (options, linear futures/perpetuals) or USD notional (inverse futures/perpetuals), signed
///   (long > 0).
/// - `cost`: signed like `quantity`, exact, at the ledger's scale (``Ledger/scale``):
///   - linear futures and perpetuals: `Σ q·price`, USD; unrealized P&L is `q·F − cost`;
///   - inverse futures and perpetuals: `Σ N/price`, coins; unrealized coin P&L is `cost − N/F`;
///   - options: the premium paid, `Σ q·price` in the premium's currency (informational: the premium is settled in
///     cash at the trade; ADL's PNL% reads it).
///
/// A partial close removes `cost × closed/quantity` (rounded once) and keeps the exact difference, so the ledger's
/// sums (Σ balance − linear cost per USD, Σ balance + inverse cost per coin) change only by deposits and withdrawals.
public struct PositionState: Hashable, Sendable {
    public var quantity: Decimal
    public var cost: Decimal

    public init(quantity: Decimal, cost: Decimal = 0) {
        self.quantity = quantity
        self.cost = cost
    }

    /// A position entered at `entryPrice` (USD per coin; for an option, the premium per unit): the cost basis
    /// `q·entry` (linear futures and perpetuals, options) or `N/entry` (inverse futures and perpetuals), rounded to
    /// the ledger's scale. For genesis states and tests; the ledger itself books costs from trades.
    public init(quantity: Decimal, entryPrice: Decimal, of instrument: Instrument) {
        self.quantity = quantity
        cost = instrument.isSizedByNotional ? Ledger.round(quantity / entryPrice) : Ledger.round(quantity * entryPrice)
    }

    /// The average entry price of a future or perpetual, USD per coin, as margining reads it (`Double`): `cost/q`
    /// (linear) or `N/cost` (inverse); `nil` for options and for a position without a cost.
    public func entryPrice(of instrument: Instrument) -> Double? {
        guard instrument.option == nil, quantity != 0, cost != 0 else { return nil }
        let q = Money.double(quantity)
        let c = Money.double(cost)
        return instrument.settlement == .linear ? c / q : q / c
    }

    /// The exact average entry price (`cost/q` or `N/cost`, `Decimal` division, 38 significant digits) of a future or
    /// perpetual; `nil` for options and without a cost. For exports: the exact figure is ``cost``.
    public func exactEntryPrice(of instrument: Instrument) -> Decimal? {
        guard instrument.option == nil, quantity != 0, cost != 0 else { return nil }
        return instrument.settlement == .linear ? cost / quantity : quantity / cost
    }
}
