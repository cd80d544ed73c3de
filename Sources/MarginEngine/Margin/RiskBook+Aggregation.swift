import MarginLedger
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
                instrumentCount: ids.count, accountCount: stable.count, slabCount: slab.count,
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
        return withKernel { k in k.combineSum(a) }
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
            m = withKernel { k in
                for u in us { k.resummarize(ai, u) }
                return k.combineSum(ai)
            }
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
            return sums.withUnsafeBufferPointer { k.combineSum(base($0), stable: stable, health: health) }
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

    /// `sum` mode's combination of one account's summaries (one per underlying slot), by the kernel's one rule
    /// (``AggregationKernel/combineSum(_:stable:health:)``).
    func combineSum(_ sums: [UnderlyingSummary], stable: Double, health: Health) -> AccountMargin {
        precondition(sums.count == underlyingCount, "one summary per underlying")
        let p = calculator.parameters
        return sums.withUnsafeBufferPointer { s in
            sortedUnderlyings.withUnsafeBufferPointer { sorted in
                instrumentIds.withUnsafeBufferPointer { ids in
                    AggregationKernel.combineSum(base(s), sortedUnderlyings: base(sorted),
                                                 underlyingCount: underlyingCount, stable: stable, health: health,
                                                 initialToMaintenance: p.initialToMaintenance,
                                                 takeoverRatio: p.takeoverRatio, instrumentIds: base(ids))
                }
            }
        }
    }
}

@inline(__always)
func base<T>(_ b: UnsafeBufferPointer<T>) -> UnsafePointer<T> {
    b.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
}

@inline(__always)
func mutableBase<T>(_ b: UnsafeMutableBufferPointer<T>) -> UnsafeMutablePointer<T> {
    b.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
}
