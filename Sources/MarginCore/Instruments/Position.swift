/// A holding of one instrument.
///
/// `size` follows MARGIN_MODEL.md: coins of the underlying (positive = long) for linear futures, linear perpetuals
/// and all options; USD notional (positive = long) for inverse futures and perpetuals.
/// Sizes and entry prices are `Double` here: they feed scenario revaluation. Exact money (balances, fills, fees)
/// lives in the engine's decimal ledger.
public struct Position: Hashable, Sendable {
    public var instrument: Instrument
    /// Coins, or USD notional for inverse futures/perpetuals (see ``Instrument/isSizedByNotional``).
    public var size: Double
    /// Entry price (USD per coin) of a future or perpetual whose unrealized P&L counts in equity; `nil` when it is
    /// already settled into balances.
    public var entryPrice: Double?

    public init(instrument: Instrument, size: Double, entryPrice: Double? = nil) {
        self.instrument = instrument
        self.size = size
        self.entryPrice = entryPrice
    }
}
