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

/// A position in one instrument.
///
/// `quantity`: coins (options, linear futures/perpetuals) or USD notional (inverse futures/perpetuals), signed.
/// `entryPrice`: the average entry price (USD per coin) of a future or perpetual, whose unrealized P&L counts in
/// equity; `nil` for options (their premium is settled in cash at the fill).
public struct PositionState: Hashable, Sendable {
    public var quantity: Decimal
    public var entryPrice: Decimal?

    public init(quantity: Decimal, entryPrice: Decimal? = nil) {
        self.quantity = quantity
        self.entryPrice = entryPrice
    }
}
