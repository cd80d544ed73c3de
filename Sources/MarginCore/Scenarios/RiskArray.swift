/// An account's risk array for one underlying: the quantity-weighted sum of its instruments' arrays plus its spot
/// balance of the coin, in USD P&L per scenario (positive = gain), with the per-underlying margin components.
///
/// This is the cheap, per-account half of the SPAN split: building it reads cached ``InstrumentRiskArray``s and
/// prices nothing. Layout: ``ScenarioSet``'s.
public struct RiskArray: Hashable, Sendable {
    /// The underlying.
    public let underlying: String
    /// USD P&L per scenario.
    public internal(set) var pnl: [Double]
    /// Σ |size|·liquidation cost per unit, USD.
    public internal(set) var liquidationCost: Double = 0
    /// Σ over short options of |q|·short-option minimum per unit, USD.
    public internal(set) var shortOptionMinimum: Double = 0
    /// The scenario layout.
    public let scenarios: ScenarioSet

    /// An empty array (no exposure).
    public init(underlying: String, scenarios: ScenarioSet) {
        self.underlying = underlying
        self.scenarios = scenarios
        pnl = [Double](repeating: 0, count: scenarios.count)
    }

    /// Adds `size` units of an instrument.
    public mutating func add(_ array: InstrumentRiskArray, size: Double) {
        addPnL(array.pnl, size: size)
        liquidationCost += abs(size) * array.liquidationCostPerUnit
        if size < 0 { shortOptionMinimum += -size * array.shortOptionMinimumPerUnit }
    }

    /// Adds a holding: its P&L times its size, and its charges.
    public mutating func add(_ holding: Holding) {
        addPnL(holding.pnl, size: holding.size)
        liquidationCost += abs(holding.size) * holding.liquidationCostPerUnit
        if holding.size < 0 { shortOptionMinimum += -holding.size * holding.shortOptionMinimumPerUnit }
    }

    /// Adds `size` times a per-unit P&L vector (same layout): `pnl[i] += size · unit[i]`, four lanes at a time.
    /// Each lane is the same multiply-then-add as the scalar loop (no fused multiply-add), so the result does not
    /// depend on the lane width.
    public mutating func addPnL(_ unitPnL: [Double], size: Double) {
        let n = min(pnl.count, unitPnL.count)
        pnl.withUnsafeMutableBufferPointer { acc in
            unitPnL.withUnsafeBufferPointer { src in
                guard let a = acc.baseAddress, let b = src.baseAddress else { return }
                let factor = SIMD4<Double>(repeating: size)
                var i = 0
                while i + 4 <= n {
                    let x = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
                    let y = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self)
                    UnsafeMutableRawPointer(a + i).storeBytes(of: y + factor * x, as: SIMD4<Double>.self)
                    i += 4
                }
                while i < n {
                    a[i] += size * b[i]
                    i += 1
                }
            }
        }
    }

    /// The price-loss curve `ℓ(x)`: for each regular price move, the largest loss (−P&L) over its vol and time
    /// shifts. May be negative (a gain in every combination).
    public var priceLossCurve: [Double] {
        let block = scenarios.volCount * scenarios.timeCount
        return (0..<scenarios.priceMoves.count).map { i in
            var worst = -Double.infinity
            for k in 0..<block { worst = max(worst, -pnl[i * block + k]) }
            return worst
        }
    }

    /// `Scan = max(0, max_x ℓ(x))`, USD: the largest loss over the regular scenarios (no allocation).
    public var scan: Double {
        let n = scenarios.regularCount
        return pnl.withUnsafeBufferPointer { p in
            // Four-wide minimum of P&L (exact: min is order-independent), then the tail.
            var lowest = SIMD4<Double>(repeating: 0)
            var i = 0
            while i + 4 <= n {
                lowest = pointwiseMin(lowest, SIMD4(p[i], p[i + 1], p[i + 2], p[i + 3]))
                i += 4
            }
            var worst = -lowest.min()
            while i < n {
                worst = max(worst, -p[i])
                i += 1
            }
            return max(worst, 0)
        }
    }

    /// Index of the regular scenario with the largest loss (first on ties).
    public var worstRegularScenario: Int {
        var best = 0
        for i in 1..<scenarios.regularCount where -pnl[i] > -pnl[best] { best = i }
        return best
    }

    /// Index of the extreme scenario with the largest loss (first on ties).
    public var worstExtremeScenario: Int {
        var best = scenarios.extremeOffset
        for i in scenarios.extremeOffset..<scenarios.rollOffset where -pnl[i] > -pnl[best] { best = i }
        return best
    }

    /// `Extreme = coverage · max(0, largest extreme loss)`, USD.
    public func extreme(coverage: Double) -> Double { coverage * max(0, -pnl[worstExtremeScenario]) }

    /// `Roll = max(0, loss in the worse roll scenario)`, USD.
    public var roll: Double { max(0, -pnl[scenarios.rollOffset], -pnl[scenarios.rollOffset + 1]) }

    /// Index of the worse roll scenario.
    public var worstRollScenario: Int {
        -pnl[scenarios.rollOffset + 1] > -pnl[scenarios.rollOffset] ? scenarios.rollOffset + 1 : scenarios.rollOffset
    }

    /// Checks structural invariants (for tests).
    package func checkInvariants() -> Bool {
        pnl.count == scenarios.count && pnl.allSatisfy(\.isFinite) && liquidationCost >= 0 && shortOptionMinimum >= 0
    }
}
