import MarginCore

extension EngineCore {
    /// Recomputes every account's per-underlying components with the scalar reference loop
    /// (``RiskBook/referenceSummary(_:coin:exposed:underlying:)``) and compares them, bit for bit, with the cached
    /// ones the SIMD kernel produced; also recombines each account and compares its margin.
    ///
    /// - Returns: the number of accounts checked and of accounts with any differing bit.
    package func verifyAggregation() -> (accounts: Int, mismatches: Int) {
        let book = self.book
        for u in 0..<book.underlyingCount { book.refreshArrays(u) }
        var mismatches = 0
        let uc = book.underlyingCount
        for a in 0..<book.accountCount {
            var same = true
            let ps = book.positions(of: a)
            for u in 0..<uc {
                let idx = a * uc + u
                let ref = book.referenceSummary(ps, coin: book.coins[idx], exposed: book.holds[idx], underlying: u)
                if !ref.bitwiseEqual(book.summaries[idx]) { same = false }
            }
            let m = book.combine(a)
            let c = book.margins[a]
            if m.equity.bitPattern != c.equity.bitPattern || m.maintenanceMargin.bitPattern != c.maintenanceMargin.bitPattern
                || m.initialMargin.bitPattern != c.initialMargin.bitPattern || m.health != c.health { same = false }
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
            && exposed == o.exposed
    }
}
