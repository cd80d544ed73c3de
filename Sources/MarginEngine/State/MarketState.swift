import MarginCore

/// The market of one underlying as the journal built it: valuation time, index, rate, forward curve and vol quotes.
/// ``underlyingMarket()`` turns it into the core's ``UnderlyingMarket``.
public struct MarketState: Hashable, Sendable {
    public var name: String
    /// Valuation time: the time of the last market update.
    public var time: Instant
    /// Index, USD per coin.
    public var index: Double
    public var rate: Double = 0
    /// Forwards by expiry, USD per coin.
    public var forwards: [Instant: Double] = [:]
    /// Vol-surface quotes, or `nil` when none were given (options cannot be listed then).
    public var surface: [VolQuote]?

    public init(name: String, time: Instant, index: Double, rate: Double = 0, forwards: [Instant: Double] = [:],
                surface: [VolQuote]? = nil) {
        self.name = name
        self.time = time
        self.index = index
        self.rate = rate
        self.forwards = forwards
        self.surface = surface
    }

    /// The core's market for this underlying.
    ///
    /// - Throws: ``InputError`` when a vol quote is invalid or expires before `time`.
    public func underlyingMarket() throws(InputError) -> UnderlyingMarket {
        var market = UnderlyingMarket(name: name, index: index, rate: rate, forwards: forwards, valuationTime: time)
        if let surface {
            let quotes = surface.map { q in (expiry: q.expiry, points: zip(q.strikes, q.vols).map { (strike: $0, vol: $1) }) }
            let partial = market
            market.volSurface = try VolSurface(quotes: quotes, valuationTime: time,
                                               forward: { partial.forward(expiry: $0) }, path: "surface")
        }
        return market
    }
}
