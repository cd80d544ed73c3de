/// Sensitivities of a USD value, MARGIN_MODEL.md's conventions. All in USD, for whatever quantity they describe.
///
/// - `delta`: per 1 USD move of the index `S` (forwards move in proportion, `F' = F·S'/S`).
/// - `gamma`: per 1 USD² of `S`.
/// - `vega`: per 1.00 absolute vol (100 vol points).
/// - `theta`: per year of calendar time passing, `S`, `F`, `σ` held (negative for a long option, r = 0).
/// - `rho`: per 1.00 of `r`, forwards held (discounting only: `−T·V`).
public struct Greeks: Hashable, Sendable {
    public var delta: Double
    public var gamma: Double
    public var vega: Double
    public var theta: Double
    public var rho: Double

    public init(delta: Double = 0, gamma: Double = 0, vega: Double = 0, theta: Double = 0, rho: Double = 0) {
        self.delta = delta
        self.gamma = gamma
        self.vega = vega
        self.theta = theta
        self.rho = rho
    }

    public static let zero = Greeks()

    /// The Greeks of `quantity` units.
    public func scaled(by quantity: Double) -> Greeks {
        Greeks(delta: delta * quantity, gamma: gamma * quantity, vega: vega * quantity, theta: theta * quantity,
               rho: rho * quantity)
    }

    public static func + (a: Greeks, b: Greeks) -> Greeks {
        Greeks(delta: a.delta + b.delta, gamma: a.gamma + b.gamma, vega: a.vega + b.vega, theta: a.theta + b.theta,
               rho: a.rho + b.rho)
    }

    public static func += (a: inout Greeks, b: Greeks) { a = a + b }
}
