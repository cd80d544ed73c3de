import MarginCore
import MarginLedger

// The scalar references of the risk book's kernels, kept to prove them bit-identical
// (``EngineCore/verifyAggregation()``, run by the tests and the engine benchmark): never on a hot path.

extension RiskBook {
    /// The scalar reference of ``AggregationKernel/summary(_:count:coin:exposed:underlying:)`` (the engine's
    /// original loop, kept to prove the kernel bit-identical): the components of one account in underlying `u`, the
    /// quantity-weighted sum of its instruments' cached arrays plus its coin balance, reduced to scan, extreme,
    /// roll, SOM and liquidation cost (MARGIN_MODEL.md), in the core's summation order (balance first, then
    /// positions by instrument id).
    ///
    /// - Parameter curve: where to write the row's price-loss curve (`correlated` mode's check), by the core's
    ///   loop (`RiskArray.priceLossCurve`); zeros when nothing is aggregated (no exposure or no market).
    func referenceSummary<C: Collection>(_ ps: C, coin: Double, exposed: Bool, underlying u: Int,
                                         curve: UnsafeMutablePointer<Double>? = nil)
        -> UnderlyingSummary where C.Element == PositionSlot
    {
        var s = UnderlyingSummary()
        s.exposed = exposed
        let u32 = Int32(u)
        let g = calculator.scenarios.priceMoves.count
        if let curve, !(exposed && markets[u] != nil) { curve.initialize(repeating: 0, count: g) }
        guard exposed else { return s }
        guard markets[u] != nil else {
            s.unpriced = ps.first { $0.underlying == u32 && $0.size != 0 }?.instrument ?? -1
            return s
        }
        let index = indexOf[u]
        for p in ps where p.underlying == u32 { ensureFresh(Int(p.instrument)) }
        let n = stride
        let sc = calculator.scenarios
        let regular = sc.regularCount
        let extremeEnd = sc.rollOffset
        let rollOffset = sc.rollOffset
        let coverage = calculator.parameters.extremeCoverage
        // The row as a plain array, indexed (bounds-checked): the reference trades speed for being obviously right.
        var row = [Double](repeating: 0, count: n)
        let spotBase = u * rowStride
        for i in 0..<n { row[i] += coin * spotTable[spotBase + i] }
        s.value += coin * index
        for p in ps where p.underlying == u32 {
            let slot = Int(p.instrument)
            let size = p.size
            if invalid[slot] {
                if size != 0, s.unpriced < 0 { s.unpriced = p.instrument }
                continue
            }
            let rowBase = slot * rowStride
            for i in 0..<n { row[i] += size * pnl[rowBase + i] }
            s.liquidationCost += abs(size) * liquidationPerUnit[slot]
            if size < 0 { s.som += -size * somPerUnit[slot] }
            if isOption[slot] {
                s.value += size * valuePerUnit[slot]
            } else if !p.entry.isNaN {
                let f = forward[slot]
                s.value += isLinear[slot] ? size * (f - p.entry) : size * (1 / p.entry - 1 / f) * index
            }
        }
        // MARGIN_MODEL.md's components, read off the row as the specification states them (largest loss =
        // −(smallest P&L)), independently of the kernel's reduction (``AggregationKernel/reduceScenarios``).
        s.scan = max(0, -(row[0..<regular].min() ?? .infinity))
        s.extreme = coverage * max(0, -(row[regular..<extremeEnd].min() ?? .infinity))
        s.roll = max(0, -row[rollOffset], -row[rollOffset + 1])
        if let curve {
            let block = sc.volCount * sc.timeCount
            for i in 0..<g {
                var worst = -Double.infinity
                for k in 0..<block { worst = max(worst, -row[i * block + k]) }
                curve[i] = worst
            }
        }
        return s
    }

    /// The scalar reference of `sum` mode's combination (``AggregationKernel/combineSum(_:stable:health:)``) for
    /// account `a`, written as MARGIN_MODEL.md states it and independently of the kernel's loops: over the exposed
    /// underlyings by name, MM = Σ max(scan, extreme, SOM) + Σ roll + Σ liquidation cost (in that order of
    /// additions, so bit-identical), IM = MM × the IM/MM ratio, equity = stablecoins + Σ value. In `correlated`
    /// mode the book's own combination (the core's grids; ``CorrelatedEngineTests`` proves it equal to
    /// ``MarginCalculator``).
    func referenceCombination(_ a: Int) -> AccountMargin {
        guard !isCorrelated else { return combine(a) }
        let held = sortedUnderlyings.map { summaries[a * underlyingCount + $0] }.filter(\.exposed)
        if let bad = held.first(where: { $0.unpriced >= 0 }) {
            return .unavailable(instrument: instrumentIds[Int(bad.unpriced)], health: journaledHealth[a])
        }
        let p = calculator.parameters
        let mm = held.reduce(held.reduce(held.reduce(0.0) { $0 + max($1.scan, $1.extreme, $1.som) }) { $0 + $1.roll })
            { $0 + $1.liquidationCost }
        let equity = held.reduce(stable[a]) { $0 + $1.value }
        let im = p.initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: p.takeoverRatio))
    }
}
