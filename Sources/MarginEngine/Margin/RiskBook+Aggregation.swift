import MarginCore

extension RiskBook {
    /// The components of one account in underlying `u`: the quantity-weighted sum of its instruments' cached
    /// arrays plus its coin balance, reduced to scan, extreme, roll, SOM and liquidation cost (MARGIN_MODEL.md),
    /// in the core's summation order (balance first, then positions by instrument id). Prices nothing.
    ///
    /// Cost: one multiply-add per scenario per position (132 × positions) and one pass of maxima; no allocation.
    func summary(_ ps: [PositionSlot], coin: Double, exposed: Bool, underlying u: Int) -> UnderlyingSummary {
        var s = UnderlyingSummary()
        s.exposed = exposed
        guard exposed, markets[u] != nil else { return s }
        let index = indexOf[u]
        let u32 = Int32(u)
        for p in ps where p.underlying == u32 { ensureFresh(Int(p.instrument)) }
        let n = stride
        let sc = calculator.scenarios
        let regular = sc.regularCount
        let extremeEnd = sc.rollOffset
        let rollOffset = sc.rollOffset
        let coverage = calculator.parameters.extremeCoverage
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { acc -> UnderlyingSummary in
            guard let accBase = acc.baseAddress else { return s }
            accBase.initialize(repeating: 0, count: n)
            spotPnL[u].withUnsafeBufferPointer { spot in
                for i in 0..<n { accBase[i] += coin * spot[i] }
            }
            s.value += coin * index
            pnl.withUnsafeBufferPointer { table in
            liquidationPerUnit.withUnsafeBufferPointer { liq in
            somPerUnit.withUnsafeBufferPointer { som in
            valuePerUnit.withUnsafeBufferPointer { value in
            forward.withUnsafeBufferPointer { fwd in
            isOption.withUnsafeBufferPointer { option in
            isLinear.withUnsafeBufferPointer { linear in
            invalid.withUnsafeBufferPointer { bad in
                guard let tableBase = table.baseAddress else { return }
                for p in ps where p.underlying == u32 {
                    let slot = Int(p.instrument)
                    if bad[slot] { continue }
                    let src = tableBase + slot * n
                    let size = p.size
                    for i in 0..<n { accBase[i] += size * src[i] }
                    s.liquidationCost += abs(size) * liq[slot]
                    if size < 0 { s.som += -size * som[slot] }
                    if option[slot] {
                        s.value += size * value[slot]
                    } else if !p.entry.isNaN {
                        let f = fwd[slot]
                        s.value += linear[slot] ? size * (f - p.entry) : size * (1 / p.entry - 1 / f) * index
                    }
                }
            }
            }
            }
            }
            }
            }
            }
            }
            // Largest loss = −(smallest P&L); a plain compare-and-select loop vectorizes (Swift.max does not).
            var lowest = Double.infinity
            for i in 0..<regular {
                let x = accBase[i]
                lowest = x < lowest ? x : lowest
            }
            s.scan = max(0, -lowest)
            var lowestExtreme = Double.infinity
            for i in regular..<extremeEnd {
                let x = accBase[i]
                lowestExtreme = x < lowestExtreme ? x : lowestExtreme
            }
            s.extreme = coverage * max(0, -lowestExtreme)
            s.roll = max(0, -accBase[rollOffset], -accBase[rollOffset + 1])
            return s
        }
    }

    /// Combines an account's cached per-underlying components into MM, IM, equity and health.
    ///
    /// `sum` mode follows ``MarginCalculator/requirement(_:correlations:)``'s order exactly (underlyings by name,
    /// core, then rolls, then liquidation costs). `correlated` mode delegates to the core.
    func combine(_ a: Int) -> AccountMargin {
        let p = calculator.parameters
        let uc = underlyingCount
        let base = a * uc
        var equity = stable[a]
        var mm = 0.0
        if p.correlationMode == .correlated {
            mm = correlatedMaintenance(a)
            for u in sortedUnderlyings where summaries[base + u].exposed { equity += summaries[base + u].value }
        } else {
            var core = 0.0
            for u in sortedUnderlyings where summaries[base + u].exposed {
                let s = summaries[base + u]
                core += max(s.scan, s.extreme, s.som)
            }
            mm = core
            for u in sortedUnderlyings where summaries[base + u].exposed { mm += summaries[base + u].roll }
            for u in sortedUnderlyings where summaries[base + u].exposed { mm += summaries[base + u].liquidationCost }
            for u in sortedUnderlyings where summaries[base + u].exposed { equity += summaries[base + u].value }
        }
        let im = p.initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: p.takeoverRatio))
    }

    /// `correlated` mode (slow path): the core's requirement over the account's risk arrays, correlations ρ = 0.
    private func correlatedMaintenance(_ a: Int) -> Double {
        var arrays: [Instrument: InstrumentRiskArray] = [:]
        var portfolio = Portfolio(account: accountNames[a])
        for p in positions[a] {
            let slot = Int(p.instrument)
            ensureFresh(slot)
            guard let array = coreArrays[slot] else { continue }
            arrays[instruments[slot]] = array
            portfolio.positions.append(Position(instrument: instruments[slot], size: p.size,
                                                entryPrice: p.entry.isNaN ? nil : p.entry))
        }
        var snapshot = MarketSnapshot(valuationTime: Instant(nanosecondsSinceEpoch: 0), underlyings: [:])
        for u in 0..<underlyingCount {
            if let m = markets[u] { snapshot.underlyings[underlyingNames[u]] = m }
            let c = coins[a * underlyingCount + u]
            if c != 0 { portfolio.balances[underlyingNames[u]] = c }
        }
        let riskArrays = calculator.riskArrays(for: portfolio, market: snapshot, arrays: arrays)
        return (try? calculator.requirement(riskArrays, correlations: CorrelationTable()).maintenanceMargin) ?? .infinity
    }

    /// Re-aggregates account `a` in underlying `u` only and recombines; returns the new margin.
    @discardableResult
    func remargin(_ a: Int32, underlying u: Int) -> AccountMargin {
        let ai = Int(a)
        let idx = ai * underlyingCount + u
        summaries[idx] = summary(positions[ai], coin: coins[idx], exposed: isExposed(ai, u), underlying: u)
        let m = combine(ai)
        margins[ai] = m
        return m
    }

    /// Re-aggregates account `a` in every underlying.
    @discardableResult
    func remarginAll(_ a: Int32) -> AccountMargin {
        let ai = Int(a)
        for u in 0..<underlyingCount {
            let idx = ai * underlyingCount + u
            summaries[idx] = summary(positions[ai], coin: coins[idx], exposed: isExposed(ai, u), underlying: u)
        }
        let m = combine(ai)
        margins[ai] = m
        return m
    }

    /// The margin `account` would have (for validation): nothing in the book changes except lazily refreshed
    /// instrument arrays, which are derived data.
    func hypothetical(_ account: AccountState) -> AccountMargin {
        let s = slots(of: account)
        var coinsByU = [Double](repeating: 0, count: underlyingCount)
        var exposed = [Bool](repeating: false, count: underlyingCount)
        for (u, c) in s.coins {
            coinsByU[u] = c
            exposed[u] = true
        }
        for p in s.positions { exposed[Int(p.underlying)] = true }
        // Temporarily use a scratch account slot layout: compute summaries directly.
        let p = calculator.parameters
        var sums: [UnderlyingSummary] = []
        for u in 0..<underlyingCount {
            sums.append(summary(s.positions, coin: coinsByU[u], exposed: exposed[u], underlying: u))
        }
        var equity = s.stable
        var mm: Double
        if p.correlationMode == .correlated {
            mm = 0
            var arrays: [Instrument: InstrumentRiskArray] = [:]
            var portfolio = Portfolio(account: "")
            for q in s.positions {
                let slot = Int(q.instrument)
                guard let array = coreArrays[slot] else { continue }
                arrays[instruments[slot]] = array
                portfolio.positions.append(Position(instrument: instruments[slot], size: q.size,
                                                    entryPrice: q.entry.isNaN ? nil : q.entry))
            }
            var snapshot = MarketSnapshot(valuationTime: Instant(nanosecondsSinceEpoch: 0), underlyings: [:])
            for u in 0..<underlyingCount {
                if let m = markets[u] { snapshot.underlyings[underlyingNames[u]] = m }
                if coinsByU[u] != 0 { portfolio.balances[underlyingNames[u]] = coinsByU[u] }
            }
            let ras = calculator.riskArrays(for: portfolio, market: snapshot, arrays: arrays)
            mm = (try? calculator.requirement(ras, correlations: CorrelationTable()).maintenanceMargin) ?? .infinity
        } else {
            var core = 0.0
            for u in sortedUnderlyings where sums[u].exposed { core += max(sums[u].scan, sums[u].extreme, sums[u].som) }
            mm = core
            for u in sortedUnderlyings where sums[u].exposed { mm += sums[u].roll }
            for u in sortedUnderlyings where sums[u].exposed { mm += sums[u].liquidationCost }
        }
        for u in sortedUnderlyings where sums[u].exposed { equity += sums[u].value }
        let im = p.initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: p.takeoverRatio))
    }
}
