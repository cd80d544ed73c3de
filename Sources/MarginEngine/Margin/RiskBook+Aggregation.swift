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
        member.withUnsafeBufferPointer { member in
        curves.withUnsafeMutableBufferPointer { curves in
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
                scratch: mutableBase(scratch), isa: isa, member: base(member), curves: mutableBase(curves),
                correlation: correlatedCombination)
            return body(kernel)
        }}}}}}}}}}}}}}}}}}}}}}}}}
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
    /// core, then rolls, then liquidation costs). `correlated` mode combines the cached components and price-loss
    /// curves through the core's grids (``AggregationKernel/combineCorrelated(_:memo:)``), bit-identical to it.
    func combine(_ a: Int) -> AccountMargin {
        if isCorrelated {
            var memo = gridMemo
            let m = withKernel { k in k.combineCorrelated(a, memo: &memo) }
            gridMemo = memo
            return m
        }
        let p = calculator.parameters
        let uc = underlyingCount
        let base = a * uc
        for u in sortedUnderlyings where summaries[base + u].exposed && summaries[base + u].unpriced >= 0 {
            let slot = Int(summaries[base + u].unpriced)
            return .unavailable(instrument: instrumentIds[slot], health: journaledHealth[a])
        }
        var equity = stable[a]
        var core = 0.0
        for u in sortedUnderlyings where summaries[base + u].exposed {
            let s = summaries[base + u]
            core += max(s.scan, s.extreme, s.som)
        }
        var mm = core
        for u in sortedUnderlyings where summaries[base + u].exposed { mm += summaries[base + u].roll }
        for u in sortedUnderlyings where summaries[base + u].exposed { mm += summaries[base + u].liquidationCost }
        for u in sortedUnderlyings where summaries[base + u].exposed { equity += summaries[base + u].value }
        let im = p.initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: p.takeoverRatio))
    }

    /// Re-aggregates account `a` in underlying `u` only and recombines; returns the new margin.
    @discardableResult
    func remargin(_ a: Int32, underlying u: Int) -> AccountMargin {
        remargin(a, underlyings: [u])
    }

    /// Re-aggregates account `a` in every underlying.
    @discardableResult
    func remarginAll(_ a: Int32) -> AccountMargin {
        remargin(a, underlyings: Array(0..<underlyingCount))
    }

    /// Re-aggregates account `a` in the underlyings `us` (its cached components and, in `correlated` mode, its
    /// price-loss curves) and recombines it; returns the new margin.
    @discardableResult
    func remargin(_ a: Int32, underlyings us: [Int]) -> AccountMargin {
        let ai = Int(a)
        ensureFresh(account: ai, underlyings: us)
        let m: AccountMargin
        if isCorrelated {
            var memo = gridMemo
            m = withKernel { k in
                for u in us { k.resummarizeCorrelated(ai, u) }
                return k.combineCorrelated(ai, memo: &memo)
            }
            gridMemo = memo
        } else {
            withKernel { k in for u in us { k.resummarize(ai, u) } }
            m = combine(ai)
        }
        margins[ai] = m
        return m
    }

    /// The margin `account` would have (for validation): nothing in the book changes except lazily refreshed
    /// instrument arrays, which are derived data. Aggregates exactly as the book does for its own accounts (the
    /// same kernel, and in `correlated` mode the same curves and combination), so a hypothetical margin equals the
    /// margin the account gets once the event is applied.
    func hypothetical(_ account: AccountState) -> AccountMargin {
        let s = slots(of: account)
        return hypothetical(positions: s.positions, coins: s.coins, stable: s.stable, health: account.health)
    }

    /// The margin of a ledger given in hot-loop form (``slots(of:)``: positions grouped by underlying slot in
    /// instrument-id order, coin balances by underlying, stablecoins in USD): what ``hypothetical(_:)`` computes,
    /// for callers that patch one position of a known ledger (validation of a trade, the liquidation planner)
    /// instead of converting the whole ledger again.
    func hypothetical(positions: [PositionSlot], coins: [(Int, Double)], stable: Double,
                      health: Health) -> AccountMargin {
        let uc = underlyingCount
        let (coinsByU, exposed) = exposure(positions: positions, coins: coins)
        let byU = (0..<uc).map { u in positions.filter { Int($0.underlying) == u } }
        let g = curveStride
        var sums = [UnderlyingSummary](repeating: UnderlyingSummary(), count: uc)
        var curves = [Double](repeating: 0, count: max(uc * g, 1))
        var memo = gridMemo
        let m: AccountMargin = withKernel { k in
            for u in 0..<uc {
                sums[u] = byU[u].withUnsafeBufferPointer { buf in
                    k.summary(base(buf), count: buf.count, coin: coinsByU[u], exposed: exposed[u], underlying: u)
                }
                if g > 0 { curves.withUnsafeMutableBufferPointer { k.writeCurve(of: sums[u], underlying: u,
                                                                               into: $0.baseAddress! + u * g) } }
            }
            if isCorrelated {
                return sums.withUnsafeBufferPointer { sp in
                    curves.withUnsafeBufferPointer { cp in
                        exposed.withUnsafeBufferPointer { ep in
                            k.combineCorrelated(summaries: base(sp), curves: base(cp), member: base(ep),
                                                stable: stable, health: health, memo: &memo)
                        }
                    }
                }
            }
            return Self.combineSum(sums, sorted: sortedUnderlyings, stable: stable, health: health,
                                   parameters: calculator.parameters, instrumentIds: instrumentIds)
        }
        gridMemo = memo
        return m
    }

    /// A ledger's coin balance and exposure per underlying slot (a balance entry or a position exposes it), with
    /// the arrays of its positions brought up to date: what aggregating it reads first.
    func exposure(positions: [PositionSlot], coins: [(Int, Double)]) -> (coins: [Double], exposed: [Bool]) {
        var coinsByU = [Double](repeating: 0, count: underlyingCount)
        var exposed = [Bool](repeating: false, count: underlyingCount)
        for (u, c) in coins {
            coinsByU[u] = c
            exposed[u] = true
        }
        for p in positions {
            exposed[Int(p.underlying)] = true
            ensureFresh(Int(p.instrument))
        }
        return (coinsByU, exposed)
    }

    /// `sum` mode's combination of one account's summaries (``combine(_:)``'s order), for ``hypothetical(_:)``.
    static func combineSum(_ sums: [UnderlyingSummary], sorted: [Int], stable: Double, health: Health,
                                   parameters p: RiskParameters, instrumentIds: [String]) -> AccountMargin {
        for u in sorted where sums[u].exposed && sums[u].unpriced >= 0 {
            return .unavailable(instrument: instrumentIds[Int(sums[u].unpriced)], health: health)
        }
        var equity = stable
        var core = 0.0
        for u in sorted where sums[u].exposed { core += max(sums[u].scan, sums[u].extreme, sums[u].som) }
        var mm = core
        for u in sorted where sums[u].exposed { mm += sums[u].roll }
        for u in sorted where sums[u].exposed { mm += sums[u].liquidationCost }
        for u in sorted where sums[u].exposed { equity += sums[u].value }
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
            if let curve {
                let block = sc.volCount * sc.timeCount
                for i in 0..<g {
                    var worst = -Double.infinity
                    for k in 0..<block { worst = max(worst, -accBase[i * block + k]) }
                    curve[i] = worst
                }
            }
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
