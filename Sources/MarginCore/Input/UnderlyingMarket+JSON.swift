extension UnderlyingMarket {
    /// The domain of an index, forward or perpetual price, USD per coin.
    public static let priceDomain = NumberDomain.open(0, 1e15, text: "a price > 0")
    /// The domain of the continuously compounded annual rate.
    public static let rateDomain = NumberDomain.closed(-1, 1)

    /// Decodes one underlying of a market snapshot (`shared/examples/market.json`'s `underlyings.<name>`):
    /// `index` > 0, `rate` in [−1, 1] (default 0), `forwards` at expiries after `valuationTime` with prices > 0,
    /// `perpetualPrice` > 0, and `volSurface` (points with strike > 0 and 0 < iv < 100). An empty or absent
    /// `volSurface` means the underlying has no options quoted (pricing an option on it is then an error that names
    /// the missing surface). Unknown keys are ignored.
    public init(json node: JSONNode, name: String, valuationTime: Instant) throws(InputError) {
        let index = try node.required("index").double(in: Self.priceDomain)
        let rate = try node.optional("rate")?.double(in: Self.rateDomain) ?? 0
        let forwards = try Self.forwards(json: node.optional("forwards"), after: valuationTime)
        let perp = try node.optional("perpetualPrice")?.double(in: Self.priceDomain)
        self.init(name: name, index: index, rate: rate, forwards: forwards, perpetualPrice: perp,
                  valuationTime: valuationTime)
        if let surfaceNode = try node.optional("volSurface") {
            let quotes = try VolQuote.quotes(json: surfaceNode)
            if !quotes.isEmpty {
                let market = self
                volSurface = try VolSurface(quotes: quotes, valuationTime: valuationTime,
                                            forward: { market.forward(expiry: $0) }, path: surfaceNode.path)
            }
        }
    }

    /// The underlying in the same format, keys sorted (canonical): `forwards` (by expiry), `index`,
    /// `perpetualPrice` (when quoted), `rate`, `volSurface` (the quotes as given, when there is a surface), and
    /// `valuationTime` when `includingValuationTime` (a market.json file gives it once at its root; the engine's
    /// snapshots, whose underlyings each have their own, write it per underlying). ``init(json:name:valuationTime:)``
    /// reads it back to an equal value.
    public func json(includingValuationTime: Bool = false) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("index", .double(index)), ("rate", .double(rate)),
                                             ("forwards", Self.json(forwards: forwards))]
        if let p = quotedPerpetualPrice { pairs.append(("perpetualPrice", .double(p))) }
        if let s = volSurface { pairs.append(("volSurface", VolQuote.json(s.quotes))) }
        if includingValuationTime { pairs.append(("valuationTime", .instant(valuationTime))) }
        return .sortedObject(pairs)
    }

    /// A forward curve as market.json writes it: `[{"expiry": …, "price": …}]` by ascending expiry.
    public static func json(forwards: [Instant: Double]) -> JSONValue {
        .array(forwards.keys.sorted().map { t in
            .sortedObject([("expiry", .instant(t)), ("price", .double(forwards[t] ?? 0))])
        })
    }

    /// Decodes a forward curve (`nil` node: empty): expiries once each and, when `after` is given, after it; prices
    /// in ``priceDomain``. Errors name `forwards[i].expiry` or `forwards[i].price`.
    public static func forwards(json node: JSONNode?, after time: Instant?) throws(InputError) -> [Instant: Double] {
        var forwards: [Instant: Double] = [:]
        for f in try node?.array() ?? [] {
            let expiryNode = try f.required("expiry")
            let expiry = try expiryNode.instant()
            if let time, expiry <= time {
                throw InputError.invalid(path: expiryNode.path, reason: "\(expiry) is not after valuation time")
            }
            guard forwards[expiry] == nil else {
                throw InputError.invalid(path: expiryNode.path, reason: "forward for \(expiry) is given twice")
            }
            forwards[expiry] = try f.required("price").double(in: priceDomain)
        }
        return forwards
    }
}

extension VolQuote {
    /// The quote as market.json writes a `volSurface` entry: `{"expiry": …, "points": [{"iv": …, "strike": …}]}`,
    /// points in the order given, keys sorted.
    public var json: JSONValue {
        .sortedObject([
            ("expiry", .instant(expiry)),
            ("points", .array(zip(strikes, vols).map { k, v in
                .sortedObject([("iv", .double(v)), ("strike", .double(k))])
            })),
        ])
    }

    /// A whole surface's quotes: `[quote.json]`.
    public static func json(_ quotes: [VolQuote]) -> JSONValue { .array(quotes.map(\.json)) }

    /// Decodes one `volSurface` entry: `expiry`, and `points` with `strike` (``strikeDomain``) and `iv`
    /// (``volDomain``). The points' structure (not empty, distinct strikes, expiry after valuation time) is checked
    /// by ``VolSurface/init(quotes:valuationTime:forward:path:)``.
    public init(json node: JSONNode) throws(InputError) {
        let expiry = try node.required("expiry").instant()
        var strikes: [Double] = []
        var vols: [Double] = []
        for p in try node.required("points").array() {
            strikes.append(try p.required("strike").double(in: Self.strikeDomain))
            vols.append(try p.required("iv").double(in: Self.volDomain))
        }
        self.init(expiry: expiry, strikes: strikes, vols: vols)
    }

    /// Decodes a `volSurface` array (possibly empty).
    public static func quotes(json node: JSONNode) throws(InputError) -> [VolQuote] {
        try node.array().map { (q) throws(InputError) in try VolQuote(json: q) }
    }
}
