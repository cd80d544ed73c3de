extension CrossRate {
    /// Decodes `market.json`'s optional `crossRates` array:
    /// `[{"base": "ETH", "quote": "BTC", "index": 0.03444, "forwards": [...], "volSurface": [...]}]`.
    ///
    /// Each entry: `base` and `quote` name two different known underlyings; the pair (either orientation) appears
    /// once; `index`, `rate`, `forwards` and `volSurface` have the format and checks of an underlying's, and
    /// `volSurface` is required (a cross without options implies nothing). Unknown keys are ignored, as everywhere
    /// in market files. Errors name the JSON path, e.g. `$.crossRates[0].volSurface[1].points[2].iv`.
    ///
    /// - Parameter node: the `crossRates` node, or `nil` when absent (no cross rates).
    static func decodeAll(_ node: JSONNode?, underlyings: [String: UnderlyingMarket], valuationTime: Instant)
        throws(InputError) -> [CrossRate]
    {
        guard let node else { return [] }
        var crosses: [CrossRate] = []
        var seen: [String: String] = [:]
        for entry in try node.array() {
            let cross = try CrossRate(json: entry, underlyings: underlyings, valuationTime: valuationTime)
            let key = "\(cross.pair.first)|\(cross.pair.second)"
            if let earlier = seen[key] {
                throw InputError.invalid(path: entry.path,
                                         reason: "cross \(cross.name) is listed twice (also as \(earlier))")
            }
            seen[key] = cross.name
            crosses.append(cross)
        }
        return crosses
    }

    /// Decodes one cross rate at `node`.
    init(json node: JSONNode, underlyings: [String: UnderlyingMarket], valuationTime: Instant) throws(InputError) {
        let baseNode = try node.required("base")
        let quoteNode = try node.required("quote")
        let base = try baseNode.string()
        let quote = try quoteNode.string()
        guard underlyings[base] != nil else { throw InputError.unknownUnderlying(path: baseNode.path, name: base) }
        guard underlyings[quote] != nil else { throw InputError.unknownUnderlying(path: quoteNode.path, name: quote) }
        guard base != quote else {
            throw InputError.invalid(path: quoteNode.path, reason: "must differ from base (\(base))")
        }
        _ = try node.required("volSurface")
        let market = try UnderlyingMarket(json: node, name: "\(base)/\(quote)", valuationTime: valuationTime)
        self.init(base: base, quote: quote, market: market)
    }
}

extension CrossRate {
    /// The cross rate in `market.json`'s `crossRates` format: `{"base", "quote"}` and the fields of an underlying
    /// (`index`, `rate`, `forwards`, `volSurface`), keys sorted.
    public var json: JSONValue {
        guard case .object(let fields) = market.json() else { return market.json() }
        return .sortedObject([("base", .string(base)), ("quote", .string(quote))] + fields.map { ($0.key, $0.value) })
    }
}

