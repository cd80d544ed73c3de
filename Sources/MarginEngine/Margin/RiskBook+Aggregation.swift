import MarginCore

extension RiskBook {
    /// Runs `body` with an ``AggregationKernel`` over the book's storage. Inside `body` the kernel owns the
    /// summaries and margins: `body` must not touch the book's arrays the kernel reads (it may use the health queue
    /// and pass marks). The kernel uses the first scratch row; ``AggregationKernel/using(scratchRow:)`` gives the
    /// kernel of another thread.
    func withKernel<R>(_ body: (AggregationKernel) -> R) -> R {
        let sc = calculator.scenarios
        let p = calculator.parameters
        let uc = underlyingCount
        let rs = rowStride
        return pnl.withUnsafeBufferPointer { pnl in
        liquidationPerUnit.withUnsafeBufferPointer { liq in
        somPerUnit.withUnsafeBufferPointer { som in
        valuePerUnit.withUnsafeBufferPointer { value in
        forward.withUnsafeBufferPointer { fwd in
        isOption.withUnsafeBufferPointer { option in
        isLinear.withUnsafeBufferPointer { linear in
        invalid.withUnsafeBufferPointer { bad in
        instrumentIds.withUnsafeBufferPointer { ids in
        journaledHealth.withUnsafeBufferPointer { journaled in
        spotTable.withUnsafeBufferPointer { spot in
        indexOf.withUnsafeBufferPointer { index in
        hasMarket.withUnsafeBufferPointer { hasMarket in
        sortedUnderlyings.withUnsafeBufferPointer { sorted in
        slab.withUnsafeBufferPointer { slab in
        rangeStart.withUnsafeBufferPointer { rangeStart in
        rangeCount.withUnsafeBufferPointer { rangeCount in
        coins.withUnsafeBufferPointer { coins in
        holds.withUnsafeBufferPointer { holds in
        stable.withUnsafeBufferPointer { stable in
        summaries.withUnsafeMutableBufferPointer { summaries in
        margins.withUnsafeMutableBufferPointer { margins in
        scratch.withUnsafeMutableBufferPointer { scratch in
            let kernel = AggregationKernel(
                rowStride: rs, regular: sc.regularCount, extremeEnd: sc.rollOffset,
                rollOffset: sc.rollOffset, coverage: p.extremeCoverage, correlated: p.correlationMode == .correlated,
                initialToMaintenance: p.initialToMaintenance, takeoverRatio: p.takeoverRatio, underlyingCount: uc,
                pnl: base(pnl), liquidation: base(liq), som: base(som), value: base(value), forward: base(fwd),
                isOption: base(option), isLinear: base(linear), invalid: base(bad), instrumentIds: base(ids),
                spot: base(spot),
                index: base(index), hasMarket: base(hasMarket), sortedUnderlyings: base(sorted), slab: base(slab),
                rangeStart: base(rangeStart), rangeCount: base(rangeCount), coins: base(coins), holds: base(holds),
                stable: base(stable), journaledHealth: base(journaled), summaries: mutableBase(summaries),
                margins: mutableBase(margins),
                scratch: mutableBase(scratch), isa: isa)
            return body(kernel)
        }}}}}}}}}}}}}}}}}}}}}}}
    }

    /// The components of one account in underlying `u` (see ``AggregationKernel``); refreshes the instrument arrays
    /// the positions read first.
    func summary(_ ps: [PositionSlot], coin: Double, exposed: Bool, underlying u: Int) -> UnderlyingSummary {
        for p in ps { ensureFresh(Int(p.instrument)) }
        return ps.withUnsafeBufferPointer { buf in
            withKernel { k in
                k.summary(base(buf), count: buf.count, coin: coin, exposed: exposed, underlying: u)
            }
        }
    }

    /// Refreshes the instrument arrays account `a` reads in the underlyings `us` (lazy, for the priority slice).
    @inline(__always)
    func ensureFresh(account a: Int, underlyings us: [Int]) {
        let uc = underlyingCount
        for u in us {
            let start = Int(rangeStart[a * uc + u])
            for k in start..<(start + Int(rangeCount[a * uc + u])) { ensureFresh(Int(slab[k].instrument)) }
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
        for u in sortedUnderlyings where summaries[base + u].exposed && summaries[base + u].unpriced >= 0 {
            let slot = Int(summaries[base + u].unpriced)
            return .unavailable(instrument: instrumentIds[slot], health: journaledHealth[a])
        }
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

    /// `correlated` mode (slow path): the core's requirement over the account's risk arrays, with the book's
    /// ``correlations`` (validated positive definite over every underlying when set).
    private func correlatedMaintenance(_ a: Int) -> Double {
        var arrays: [Instrument: InstrumentRiskArray] = [:]
        var portfolio = Portfolio(account: accountNames[a])
        for p in positions(of: a) {
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
        return (try? calculator.requirement(riskArrays, correlations: correlations).maintenanceMargin) ?? .infinity
    }

    /// Re-aggregates account `a` in underlying `u` only and recombines; returns the new margin.
    @discardableResult
    func remargin(_ a: Int32, underlying u: Int) -> AccountMargin {
        let ai = Int(a)
        ensureFresh(account: ai, underlyings: [u])
        withKernel { k in k.resummarize(ai, u) }
        let m = combine(ai)
        margins[ai] = m
        return m
    }

    /// Re-aggregates account `a` in every underlying.
    @discardableResult
    func remarginAll(_ a: Int32) -> AccountMargin {
        let ai = Int(a)
        let all = Array(0..<underlyingCount)
        ensureFresh(account: ai, underlyings: all)
        withKernel { k in for u in all { k.resummarize(ai, u) } }
        let m = combine(ai)
        margins[ai] = m
        return m
    }

    /// The margin `account` would have (for validation): nothing in the book changes except lazily refreshed
    /// instrument arrays, which are derived data.
    func hypothetical(_ account: AccountState) -> AccountMargin {
        let s = slots(of: account)
        return hypothetical(positions: s.positions, coins: s.coins, stable: s.stable, health: account.health)
    }

    /// The margin of a ledger given in hot-loop form (``slots(of:)``: positions in instrument-id order, coin
    /// balances by underlying, stablecoins in USD): what ``hypothetical(_:)`` computes, for callers that patch one
    /// position of a known ledger (the liquidation planner) instead of converting the whole ledger again.
    func hypothetical(positions: [PositionSlot], coins: [(Int, Double)], stable: Double,
                      health: Health) -> AccountMargin {
        let s = (positions: positions, coins: coins, stable: stable)
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
            let inU = s.positions.filter { Int($0.underlying) == u }
            sums.append(summary(inU, coin: coinsByU[u], exposed: exposed[u], underlying: u))
        }
        for u in sortedUnderlyings where sums[u].exposed && sums[u].unpriced >= 0 {
            return .unavailable(instrument: instrumentIds[Int(sums[u].unpriced)], health: health)
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
            mm = (try? calculator.requirement(ras, correlations: correlations).maintenanceMargin) ?? .infinity
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

extension RiskBook {
    /// The scalar reference of ``AggregationKernel/summary(_:count:coin:exposed:underlying:)`` (the engine's
    /// original loop, kept to prove the kernel bit-identical): the components of one account in underlying `u`, the
    /// quantity-weighted sum of its instruments' cached arrays plus its coin balance, reduced to scan, extreme,
    /// roll, SOM and liquidation cost (MARGIN_MODEL.md), in the core's summation order (balance first, then
    /// positions by instrument id).
    func referenceSummary<C: Collection>(_ ps: C, coin: Double, exposed: Bool, underlying u: Int)
        -> UnderlyingSummary where C.Element == PositionSlot
    {
        var s = UnderlyingSummary()
        s.exposed = exposed
        let u32 = Int32(u)
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
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { acc -> UnderlyingSummary in
            guard let accBase = acc.baseAddress else { return s }
            accBase.initialize(repeating: 0, count: n)
            spotTable.withUnsafeBufferPointer { table in
                let spot = table.baseAddress! + u * rowStride
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
                    let size = p.size
                    if bad[slot] {
                        if size != 0, s.unpriced < 0 { s.unpriced = p.instrument }
                        continue
                    }
                    let src = tableBase + slot * rowStride
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

}

@inline(__always)
private func base<T>(_ b: UnsafeBufferPointer<T>) -> UnsafePointer<T> {
    b.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
}

@inline(__always)
private func mutableBase<T>(_ b: UnsafeMutableBufferPointer<T>) -> UnsafeMutablePointer<T> {
    b.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
}
