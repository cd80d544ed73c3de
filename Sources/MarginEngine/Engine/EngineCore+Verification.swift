import MarginLedger
import MarginCore

extension EngineCore {
    /// Recomputes every account's per-underlying components with the scalar reference loop
    /// (``RiskBook/referenceSummary(_:coin:exposed:underlying:)``) and compares them, bit for bit, with the cached
    /// ones the SIMD kernel produced; also recombines each account and compares its margin. In `correlated` mode
    /// it also recomputes every cached price-loss curve with the core's loop and compares it bit for bit (the
    /// combination itself is the core's grid evaluation; `CorrelatedEngineTests` proves it equal to
    /// ``MarginCalculator``).
    ///
    /// - Returns: the number of accounts checked and of accounts with any differing bit.
    package func verifyAggregation() -> (accounts: Int, mismatches: Int) {
        let book = self.book
        for u in 0..<book.underlyingCount { book.refreshArrays(u) }
        var mismatches = 0
        let uc = book.underlyingCount
        let g = book.curveStride
        var curve = [Double](repeating: 0, count: max(g, 1))
        for a in 0..<book.accountCount {
            var same = true
            let ps = book.positions(of: a)
            for u in 0..<uc {
                let idx = a * uc + u
                let ref = curve.withUnsafeMutableBufferPointer { out in
                    book.referenceSummary(ps, coin: book.coins[idx], exposed: book.holds[idx], underlying: u,
                                          curve: g > 0 ? out.baseAddress : nil)
                }
                if !ref.bitwiseEqual(book.summaries[idx]) { same = false }
                for i in 0..<g where curve[i].bitPattern != book.curves[idx * g + i].bitPattern { same = false }
            }
            let m = book.referenceCombination(a)
            let c = book.margins[a]
            if m.equity.bitPattern != c.equity.bitPattern || m.maintenanceMargin.bitPattern != c.maintenanceMargin.bitPattern
                || m.initialMargin.bitPattern != c.initialMargin.bitPattern || m.health != c.health
                || m.unpricedInstrument != c.unpricedInstrument { same = false }
            if !same { mismatches += 1 }
        }
        return (book.accountCount, mismatches)
    }
}

extension UnderlyingSummary {
    func bitwiseEqual(_ o: UnderlyingSummary) -> Bool {
        scan.bitPattern == o.scan.bitPattern && extreme.bitPattern == o.extreme.bitPattern
            && som.bitPattern == o.som.bitPattern && roll.bitPattern == o.roll.bitPattern
            && liquidationCost.bitPattern == o.liquidationCost.bitPattern && value.bitPattern == o.value.bitPattern
            && exposed == o.exposed && unpriced == o.unpriced
    }
}
