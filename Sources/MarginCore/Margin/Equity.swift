/// The one equity rule (MARGIN_MODEL.md): an account's equity, USD, is its balances at the index (stablecoins at 1)
/// plus each position's contribution: an option at its value, a future or perpetual at its unrealized P&L where an
/// entry price is given (linear `q·(F − entry)`, inverse `N·(1/entry − 1/F)·S`), else 0.
///
/// Used by the reference calculator (``MarginCalculator/equity(of:market:arrays:)``), the engine's aggregation
/// kernel, the cross-margined venue presets; Deribit's per-pool equity takes the coin form of an inverse future
/// (``inverseFutureCoins(size:entry:forward:)``). `Double` throughout: equity is a valuation, not money booked.
public enum Equity {
    /// The balances' value, USD, summed in currency order (a currency without a price counts 0: the input
    /// decoders reject such a balance before it gets here).
    public static func balances(of portfolio: Portfolio, market: MarketSnapshot) -> Double {
        var equity = 0.0
        for (currency, amount) in portfolio.sortedBalances { equity += amount * (market.usdPrice(of: currency) ?? 0) }
        return equity
    }

    /// A position's contribution, USD: `size × valueUSD` for an option; a future's or perpetual's unrealized P&L
    /// (``future(size:entry:forward:index:linear:)``) when `entry` is given; else 0.
    @inlinable
    public static func position(_ instrument: Instrument, size: Double, entry: Double?, valueUSD: Double,
                                forward: Double, index: Double) -> Double {
        if instrument.option != nil { return size * valueUSD }
        guard let entry else { return 0 }
        return future(size: size, entry: entry, forward: forward, index: index,
                      linear: instrument.settlement == .linear)
    }

    /// A future's or perpetual's unrealized P&L, USD: linear `size·(F − entry)` (size in coins); inverse
    /// `N·(1/entry − 1/F)·S` (``inverseFutureCoins(size:entry:forward:)`` at the index `S`).
    @inlinable @inline(__always)
    public static func future(size: Double, entry: Double, forward: Double, index: Double, linear: Bool) -> Double {
        linear ? size * (forward - entry) : inverseFutureCoins(size: size, entry: entry, forward: forward) * index
    }

    /// An inverse future's or perpetual's unrealized P&L in coins: `N·(1/entry − 1/F)` (N the USD notional).
    @inlinable @inline(__always)
    public static func inverseFutureCoins(size: Double, entry: Double, forward: Double) -> Double {
        size * (1 / entry - 1 / forward)
    }
}
