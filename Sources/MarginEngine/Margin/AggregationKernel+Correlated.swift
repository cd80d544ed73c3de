import MarginLedger
import MarginCore

/// What `correlated` mode's combination needs beyond the components: the scenario layout of a price-loss curve
/// and where the ``CorrelatedGrid``s come from (the book calculator's ``CorrelatedGridCache``, keyed as
/// ``MarginCalculator`` keys it: the enumerated names, the table, the stress and the price grid).
struct CorrelatedCombination: @unchecked Sendable {
    /// Regular price moves g (21 in the reference set): doubles per curve.
    let priceCount: Int
    /// Scenarios per price move (vol shifts × time steps; 6 in the reference set).
    let block: Int
    let cache: CorrelatedGridCache
    let table: CorrelationTable
    let stress: Double
    let priceMoves: [Double]
    let priceRange: Double
    /// Underlying names by slot (the grid's names).
    let names: [String]

    init(calculator: MarginCalculator, table: CorrelationTable, names: [String]) {
        let sc = calculator.scenarios
        priceCount = sc.priceMoves.count
        block = sc.volCount * sc.timeCount
        cache = calculator.correlatedGrids
        self.table = table
        stress = calculator.parameters.correlationStress
        priceMoves = sc.priceMoves
        priceRange = calculator.parameters.priceRange
        self.names = names
    }

    /// The grid of the underlying slots `slots[0..<n]` (enumeration order), from `memo` or the shared cache.
    ///
    /// - Throws: ``InputError`` when the matrix of these underlyings is not positive definite (never for a table
    ///   the engine accepted: validation checks the matrix over every underlying).
    @inline(__always)
    func grid(_ slots: (Int, Int, Int), count n: Int, memo: inout GridMemo) throws(InputError) -> CorrelatedGrid {
        if let g = memo.grid(slots, count: n) { return g }
        let names = self.names
        let g = try cache.grid(count: n, name: { k in names[k == 0 ? slots.0 : k == 1 ? slots.1 : slots.2] },
                               table: table, stress: stress, priceMoves: priceMoves, priceRange: priceRange)
        memo.insert(slots, count: n, g)
        return g
    }
}

/// A thread's memo of the grids it used, keyed by the enumerated underlying slots (at most three): consecutive
/// accounts nearly always hold the same underlyings, so the shared cache (a mutex and a key comparison) is read once
/// per set of underlyings and thread. Valid for one table and one calculator: a new memo per pass part, and the
/// book's own memo is cleared whenever the table or the parameters change.
struct GridMemo {
    private var keys: [(Int, Int, Int, Int)] = []
    private var grids: [CorrelatedGrid] = []
    private var last = -1

    @inline(__always)
    mutating func grid(_ slots: (Int, Int, Int), count n: Int) -> CorrelatedGrid? {
        let key = (slots.0, slots.1, slots.2, n)
        if last >= 0, keys[last] == key { return grids[last] }
        for i in keys.indices where keys[i] == key {
            last = i
            return grids[i]
        }
        return nil
    }

    mutating func insert(_ slots: (Int, Int, Int), count n: Int, _ grid: CorrelatedGrid) {
        if keys.count >= 64 { self = GridMemo() }
        keys.append((slots.0, slots.1, slots.2, n))
        grids.append(grid)
        last = keys.count - 1
    }
}

extension AggregationKernel {
    /// `correlated` mode: re-aggregates account `a` in underlying `u` (``resummarize(_:_:)``) and caches its
    /// price-loss curve from the same aggregated scenario row.
    @inline(__always)
    func resummarizeCorrelated(_ a: Int, _ u: Int) {
        let idx = a &* underlyingCount &+ u
        let s = summary(slab + Int(rangeStart[idx]), count: Int(rangeCount[idx]), coin: coins[idx],
                        exposed: holds[idx], underlying: u)
        summaries[idx] = s
        writeCurve(of: s, underlying: u, into: curves + idx &* correlation.priceCount)
    }

    /// Writes the price-loss curve of the row ``summary(_:count:coin:exposed:underlying:)`` just aggregated into
    /// the scratch row (zeros when it aggregated nothing: no exposure or no market).
    ///
    /// `ℓ(x_i) = max over the vol and time shifts k of −P&L[i·block + k]`, as ``MarginCalculator``'s loop
    /// (`RiskArray.priceLossCurve`: `worst = max(worst, x)` from −∞, in the same order), bit for bit: on finite
    /// values `worst > x ? worst : x` is `Swift.max(worst, x)` (ties, ±0 included, give `x` in both) and compiles to
    /// one `maxsd`. A row with a value that is not finite takes the core's loop itself.
    @inline(__always)
    func writeCurve(of s: UnderlyingSummary, underlying u: Int, into out: UnsafeMutablePointer<Double>) {
        let g = correlation.priceCount
        guard s.exposed, hasMarket[u] else {
            out.initialize(repeating: 0, count: g)
            return
        }
        let block = correlation.block
        let acc = UnsafePointer(scratch)
        // NaN or ±∞ exactly when the 11 exponent bits are all ones: OR of exponent + 1 sets bit 11.
        var exponents: UInt64 = 0
        for j in 0..<(g &* block) { exponents |= ((acc[j].bitPattern >> 52) & 0x7FF) &+ 1 }
        if exponents & 0x800 != 0 {
            for i in 0..<g {
                var worst = -Double.infinity
                for k in 0..<block { worst = max(worst, -acc[i &* block &+ k]) }
                out[i] = worst
            }
            return
        }
        for i in 0..<g {
            let row = acc + i &* block
            var worst = -Double.infinity
            for k in 0..<block {
                let x = -row[k]
                worst = worst > x ? worst : x
            }
            out[i] = worst
        }
    }

    /// `correlated` mode: MM, IM, equity and health of account `a` from its cached components and curves.
    @inline(__always)
    func combineCorrelated(_ a: Int, memo: inout GridMemo) -> AccountMargin {
        let base = a &* underlyingCount
        return combineCorrelated(summaries: UnsafePointer(summaries + base),
                                 curves: UnsafePointer(curves + base &* correlation.priceCount),
                                 member: member + base, stable: stable[a], health: journaledHealth[a], memo: &memo)
    }

    /// `correlated` mode's combination of one account, given per underlying slot its components, price-loss curve
    /// and membership, **bit-identical** to ``MarginCalculator/requirement(_:correlations:)``:
    ///
    /// - the core's risk arrays are the account's underlyings with a position or a balance entry and a market
    ///   (``RiskBook/member``), in name order; each one's components and curve are the engine's aggregation of the
    ///   same positions in the same order (`0 + coin·spot`, then positions by instrument id), so the same bits;
    /// - `Joint`: past three underlyings the three largest scans (ties by name) are enumerated in name order and
    ///   the others' scans added in rank order; the curves are copied into one buffer in enumeration order and
    ///   evaluated by the core's ``CorrelatedGrid`` itself (the grid from the same cache key);
    /// - `Core = max(Joint, Σ Extreme, Σ SOM)`, sums in name order; `MM = Core + Σ Roll + Σ Liq`; `IM = k·MM`;
    /// - exact shortcut: when `((0 + Scan₀) + Scan₁) + Scan₂` (an upper bound of Joint in floating point: rounded
    ///   addition is monotone and ℓ_u ≤ Scan_u) is at most `max(Σ Extreme, Σ SOM)`, Core is that maximum bit for
    ///   bit and the grid is not evaluated (about a fifth of the simulated population).
    ///
    /// Equity is the engine's (stablecoins, then per underlying in name order). A matrix that is not positive
    /// definite (never for a validated table) gives an MM of +∞.
    func combineCorrelated(summaries sums: UnsafePointer<UnderlyingSummary>, curves: UnsafePointer<Double>,
                           member: UnsafePointer<Bool>, stable: Double, health: Health,
                           memo: inout GridMemo) -> AccountMargin {
        let uc = underlyingCount
        for k in 0..<uc {
            let s = sums[sortedUnderlyings[k]]
            if s.exposed, s.unpriced >= 0 {
                return .unavailable(instrument: instrumentIds[Int(s.unpriced)], health: health)
            }
        }
        var equity = stable
        for k in 0..<uc {
            let s = sums[sortedUnderlyings[k]]
            if s.exposed { equity += s.value }
        }
        let g = correlation.priceCount
        let mm: Double = withUnsafeTemporaryAllocation(of: Int.self, capacity: max(uc, 1)) { arrays in
            // The core's risk arrays, in name order.
            var n = 0
            for k in 0..<uc {
                let u = sortedUnderlyings[k]
                if member[u], hasMarket[u] {
                    arrays[n] = u
                    n += 1
                }
            }
            var selected = (0, 1, 2)
            var enumerated = n
            var rest: [Int] = []
            if n > 3 {
                let ranked = (0..<n).sorted {
                    let (x, y) = (sums[arrays[$0]].scan, sums[arrays[$1]].scan)
                    return x != y ? x > y : $0 < $1
                }
                let top = Array(ranked.prefix(3)).sorted()
                selected = (top[0], top[1], top[2])
                enumerated = 3
                rest = Array(ranked.dropFirst(3))
            }
            func index(_ slot: Int) -> Int { slot == 0 ? selected.0 : slot == 1 ? selected.1 : selected.2 }
            var extremes = 0.0
            var soms = 0.0
            for k in 0..<n {
                let s = sums[arrays[k]]
                extremes += s.extreme
                soms += s.som
            }
            let floor = max(extremes, soms)
            let slots = (enumerated > 0 ? arrays[index(0)] : -1, enumerated > 1 ? arrays[index(1)] : -1,
                         enumerated > 2 ? arrays[index(2)] : -1)
            let grid: CorrelatedGrid
            do { grid = try correlation.grid(slots, count: enumerated, memo: &memo) } catch { return .infinity }
            // Exact shortcut: every admissible sum is ((0 + ℓ₀) + ℓ₁) + ℓ₂ with ℓ_u ≤ Scan_u, and rounded addition
            // is monotone, so Joint ≤ ((0 + Scan₀) + Scan₁) + Scan₂ (enumeration order). When that bound is at most
            // max(Σ Extreme, Σ SOM), max(Joint, Σ Extreme, Σ SOM) is max(Σ Extreme, Σ SOM), bit for bit, whatever
            // Joint is: the grid need not be evaluated (it is looked up first, so a matrix the core refuses is
            // refused here too).
            if rest.isEmpty {
                var bound = 0.0
                for slot in 0..<enumerated { bound += sums[arrays[index(slot)]].scan }
                if bound <= floor {
                    var mm = floor
                    for k in 0..<n { mm += sums[arrays[k]].roll }
                    for k in 0..<n { mm += sums[arrays[k]].liquidationCost }
                    return mm
                }
            }
            let loss = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(grid.bufferCount, 1)) { scratch in
                guard let buffer = scratch.baseAddress else { return 0.0 }
                for slot in 0..<enumerated {
                    let src = curves + arrays[index(slot)] &* g
                    let dst = buffer + slot &* g
                    for i in 0..<g { dst[i] = src[i] }
                }
                return grid.jointLoss(buffer: buffer).loss
            }
            var joint = loss
            for k in rest { joint += sums[arrays[k]].scan }
            var mm = max(joint, extremes, soms)
            for k in 0..<n { mm += sums[arrays[k]].roll }
            for k in 0..<n { mm += sums[arrays[k]].liquidationCost }
            return mm
        }
        let im = initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: takeoverRatio))
    }

    /// `correlated` mode's ``sweep(_:updated:cushions:journaled:)``: re-aggregates the underlyings `updated` of every
    /// account in `accounts` (where it holds them) with their curves, and recombines it through the grids.
    func sweepCorrelated(_ accounts: UnsafeBufferPointer<Int32>, updated: UnsafeBufferPointer<Int>,
                         cushions: UnsafeMutablePointer<Double>, journaled: UnsafePointer<Health>) -> [Int32] {
        var changed: [Int32] = []
        var memo = GridMemo()
        for i in 0..<accounts.count {
            let a = Int(accounts[i])
            for u in updated where holds[a &* underlyingCount &+ u] { resummarizeCorrelated(a, u) }
            let m = combineCorrelated(a, memo: &memo)
            margins[a] = m
            cushions[i] = m.cushion
            if m.health != journaled[a] { changed.append(Int32(a)) }
        }
        return changed
    }
}
