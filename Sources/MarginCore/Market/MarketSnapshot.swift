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
    private var values: [String: Double] = [:]

    public init() {}

    private static func key(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    /// Sets ρ for the pair (order irrelevant).
    public mutating func set(_ a: String, _ b: String, rho: Double) { values[Self.key(a, b)] = rho }

    /// ρ of the pair: 1 on the diagonal, 0 when not configured.
    public func rho(_ a: String, _ b: String) -> Double {
        a == b ? 1 : values[Self.key(a, b)] ?? 0
    }

    /// Every configured pair, sorted.
    public var pairs: [(String, String, Double)] {
        values.keys.sorted().compactMap { key in
            let parts = key.split(separator: "|").map(String.init)
            guard parts.count == 2, let rho = values[key] else { return nil }
            return (parts[0], parts[1], rho)
        }
    }
}
