/// A quoted cross rate between two underlyings, `base/quote` (ETH/BTC: BTC per ETH), with its own forwards and
/// implied-volatility surface: options on the cross, from which ``ImpliedCorrelation`` reads how the two legs co-move.
///
/// The cross's market data has the format and the reading rules of an underlying's (MARGIN_MODEL.md "Market
/// snapshot"): ``market`` holds the index (units of `quote` per unit of `base`), the rate that carries the forward
/// (`F(T) = S·e^{rT}` where no forward is quoted; default 0), quoted forwards and the surface (decoded cross rates
/// always have one), named `"BASE/QUOTE"`. Cross rates are not scanned and do not enter any margin.
public struct CrossRate: Hashable, Sendable {
    /// The underlying whose price the cross expresses (ETH in ETH/BTC).
    public var base: String
    /// The underlying the cross is expressed in (BTC in ETH/BTC).
    public var quote: String
    /// The cross's index, forwards and vol surface, named ``name``.
    public var market: UnderlyingMarket

    /// `"BASE/QUOTE"`, e.g. `"ETH/BTC"`.
    public var name: String { "\(base)/\(quote)" }

    /// The two underlyings sorted by name (the pair an implied correlation is reported for).
    public var pair: (first: String, second: String) { base < quote ? (base, quote) : (quote, base) }

    public init(base: String, quote: String, market: UnderlyingMarket) {
        self.base = base
        self.quote = quote
        self.market = market
    }
}
