/// A consistent view of every underlying's market at one valuation time, plus the correlation model.
public struct MarketSnapshot: Hashable, Sendable {
    public var valuationTime: Instant
    /// Markets by underlying name.
    public var underlyings: [String: UnderlyingMarket]
    /// Configured correlations between underlyings' price moves; unlisted pairs have ρ = 0.
    public var correlations: CorrelationTable
    /// Quoted cross rates between underlyings (with their vol surfaces), in the order given; none by default.
    public var crossRates: [CrossRate]

    public init(valuationTime: Instant, underlyings: [String: UnderlyingMarket],
                correlations: CorrelationTable = .init(), crossRates: [CrossRate] = []) {
        self.valuationTime = valuationTime
        self.underlyings = underlyings
        self.correlations = correlations
        self.crossRates = crossRates
    }

    /// The USD price of one unit of `currency`: 1 for stablecoins, the index for an underlying, `nil` otherwise.
    public func usdPrice(of currency: String) -> Double? {
        if Portfolio.stablecoins.contains(currency) { return 1 }
        return underlyings[currency]?.index
    }
}

/// Pairwise correlations of underlyings' relative price moves. Symmetric; the diagonal is 1.
public struct CorrelationTable: Hashable, Sendable {
    /// A pair, its names in ascending order (any names: no separator to collide with).
    private struct Pair: Hashable, Sendable {
        var first: String
        var second: String

        init(_ a: String, _ b: String) {
            (first, second) = a < b ? (a, b) : (b, a)
        }
    }

    private var values: [Pair: Double] = [:]

    public init() {}

    /// Sets ρ for the pair (order irrelevant).
    public mutating func set(_ a: String, _ b: String, rho: Double) { values[Pair(a, b)] = rho }

    /// ρ of the pair: 1 on the diagonal, 0 when not configured.
    public func rho(_ a: String, _ b: String) -> Double {
        a == b ? 1 : values[Pair(a, b)] ?? 0
    }

    /// Every configured pair, names ascending within a pair, pairs sorted by their first then second name.
    public var pairs: [(String, String, Double)] {
        values.keys.sorted { $0.first != $1.first ? $0.first < $1.first : $0.second < $1.second }.compactMap { key in
            values[key].map { (key.first, key.second, $0) }
        }
    }
}
