import MarginCore

/// A cross rate's market, whole, at `time`: `base/quote` (ETH/BTC: BTC per ETH) with `market.json`'s cross-rate
/// fields (`index`, `rate`, `forwards`, `volSurface`; the surface required). It replaces the pair's cross (either
/// orientation). Cross rates are not scanned and change no margin: the dynamic table reads implied correlation from
/// them (``CorrelationPolicy``).
public struct CrossRateUpdate: Hashable, Sendable {
    public var base: String
    public var quote: String
    public var time: Instant
    /// Units of `quote` per unit of `base` (> 0).
    public var index: Double
    /// Annual continuously compounded rate carrying the forward where none is quoted (0 when absent).
    public var rate: Double?
    /// Forward prices by expiry, units of `quote` per `base`.
    public var forwards: [Instant: Double]?
    /// The cross's implied-vol surface as quoted (required, non-empty).
    public var surface: [VolQuote]

    public init(base: String, quote: String, time: Instant, index: Double, rate: Double? = nil,
                forwards: [Instant: Double]? = nil, surface: [VolQuote]) {
        self.base = base
        self.quote = quote
        self.time = time
        self.index = index
        self.rate = rate
        self.forwards = forwards
        self.surface = surface
    }

    /// The pair the cross implies a correlation for.
    public var pair: UnderlyingPair { UnderlyingPair(base, quote) }

    /// `"BASE/QUOTE"`.
    public var name: String { "\(base)/\(quote)" }

    /// The cross as the core's ``CrossRate`` (its market named ``name``, valued at `time`), built by the same
    /// code as an underlying's market from a `market` event.
    ///
    /// - Throws: ``InputError`` naming the field out of its domain or the bad quote.
    public func crossRate() throws(InputError) -> CrossRate {
        let update = MarketUpdate(underlying: name, time: time, index: index, rate: rate, forwards: forwards,
                                  surface: surface)
        return CrossRate(base: base, quote: quote, market: try update.applied(to: nil))
    }

    /// Intrinsic checks: names, two different non-stablecoin legs, a representable time, the index, rate and
    /// forwards in `market.json`'s domains, a non-empty surface (its quotes are checked when it is built).
    public func validate() throws(EngineError) {
        try EngineError.checkName(base, field: "base")
        try EngineError.checkName(quote, field: "quote")
        guard base != quote else { throw .invalid(field: "quote", reason: "must differ from base (\(base))") }
        for (field, name) in [("base", base), ("quote", quote)] where Portfolio.stablecoins.contains(name) {
            throw .invalid(field: field, reason: "\"\(name)\" is a stablecoin")
        }
        guard !surface.isEmpty else {
            throw .invalid(field: "volSurface", reason: "is required: a cross rate without options implies nothing")
        }
        try MarketUpdate(underlying: name, time: time, index: index, rate: rate, forwards: forwards).validate()
    }
}
