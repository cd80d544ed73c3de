extension MarketSnapshot {
    /// Decodes and validates a market snapshot in the format of `shared/examples/market.json`.
    ///
    /// Checks: `valuationTime` is an instant; each underlying as ``UnderlyingMarket/init(json:name:valuationTime:)``
    /// checks it (`index` > 0, `rate` finite in [−1, 1], forward prices > 0 at expiries after valuation time, vol
    /// points with strike > 0 and 0 < iv < 100; an empty `volSurface` is no surface); correlations as
    /// ``CorrelationTable/init(json:knownUnderlyings:)`` checks them, naming known underlyings; `crossRates`
    /// (optional) as ``CrossRate/decodeAll(_:underlyings:valuationTime:)`` checks them. Unknown keys are ignored
    /// (market files are lenient).
    public init(json root: JSONNode) throws(InputError) {
        let valuationTime = try root.required("valuationTime").instant()
        var markets: [String: UnderlyingMarket] = [:]
        for (name, node) in try root.required("underlyings").object() {
            guard !name.isEmpty, !Portfolio.stablecoins.contains(name) else {
                throw InputError.invalid(path: node.path, reason: "\"\(name)\" cannot be an underlying")
            }
            markets[name] = try UnderlyingMarket(json: node, name: name, valuationTime: valuationTime)
        }
        let correlations = try root.optional("correlations").map { (n) throws(InputError) in
            try CorrelationTable(json: n, knownUnderlyings: Set(markets.keys))
        } ?? CorrelationTable()
        let crossRates = try CrossRate.decodeAll(root.optional("crossRates"), underlyings: markets,
                                                 valuationTime: valuationTime)
        self.init(valuationTime: valuationTime, underlyings: markets, correlations: correlations,
                  crossRates: crossRates)
    }

    /// Decodes a snapshot from JSON text.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }

    /// The snapshot in the same format, keys sorted (canonical): `valuationTime`, `underlyings` (by name, each as
    /// ``UnderlyingMarket/json(includingValuationTime:)`` writes it) and `correlations` (omitted when empty).
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("valuationTime", .instant(valuationTime)),
            ("underlyings", .sortedObject(underlyings.map { ($0.key, $0.value.json()) })),
        ]
        if !correlations.pairs.isEmpty { pairs.append(("correlations", correlations.json)) }
        if !crossRates.isEmpty { pairs.append(("crossRates", .array(crossRates.map(\.json)))) }
        return .sortedObject(pairs)
    }
}
