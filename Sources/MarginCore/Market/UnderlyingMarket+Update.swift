extension UnderlyingMarket {
    /// Checks the market's values against the domains its market.json decoder enforces (``priceDomain``,
    /// ``rateDomain``): index, rate, every forward (at an expiry after valuation time) and the perpetual price. A
    /// valid market written as JSON (``json(includingValuationTime:)``) always decodes again to an equal value. The
    /// vol surface is valid by construction (``VolSurface``'s initializer checks its quotes).
    ///
    /// - Parameter path: prefixed to the field in the error: `index`, `forwards.2026-03-27T08:00:00Z`.
    public func validate(path: String = "") throws(InputError) {
        guard valuationTime.isISO8601Representable else {
            throw InputError.invalid(path: "\(path)time", reason: "\(valuationTime) is outside years 1678–2261")
        }
        try Self.priceDomain.check(index, path: "\(path)index")
        try Self.rateDomain.check(rate, path: "\(path)rate")
        for t in forwards.keys.sorted() {
            let field = "\(path)forwards.\(t.iso8601)"
            guard t > valuationTime else {
                throw InputError.invalid(path: field, reason: "\(t) is not after the market time \(valuationTime)")
            }
            try Self.priceDomain.check(forwards[t] ?? .nan, path: field)
        }
        if let p = quotedPerpetualPrice { try Self.priceDomain.check(p, path: "\(path)perpetualPrice") }
    }

    /// This market moved to `time` with the given fields replaced (`nil` keeps the current value; `forwards`
    /// replaces the whole curve; `volQuotes: []` removes the surface), validated (``validate(path:)``), and its
    /// surface rebuilt from its quotes (``VolSurface/quotes``) against the new forwards and time: each surface
    /// expiry's points sit at log-moneyness `ln(K/F(Tᵢ))` with the forward as of the update, as if the whole market
    /// had been given anew. Deterministic: the same market and arguments give a bit-identical result.
    ///
    /// - Throws: ``InputError`` naming the field (under `path`) that is out of its domain, a forward or surface
    ///   expiry not after `time`, or a bad quote.
    public func updated(time: Instant, index: Double? = nil, rate: Double? = nil, forwards: [Instant: Double]? = nil,
                        perpetualPrice: Double? = nil, volQuotes: [VolQuote]? = nil, path: String = "")
        throws(InputError) -> UnderlyingMarket
    {
        var m = self
        m.valuationTime = time
        if let index { m.index = index }
        if let rate { m.rate = rate }
        if let forwards { m.forwards = forwards }
        if let perpetualPrice { m.quotedPerpetualPrice = perpetualPrice }
        let quotes = volQuotes ?? volSurface?.quotes ?? []
        m.volSurface = nil
        try m.validate(path: path)
        if !quotes.isEmpty {
            let partial = m
            m.volSurface = try VolSurface(quotes: quotes, valuationTime: time, forward: { partial.forward(expiry: $0) },
                                          path: "\(path)volSurface")
        }
        return m
    }
}
