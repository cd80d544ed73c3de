import MarginCore

/// The per-account hot loop of the ``RiskBook``: Σ size × instrument P&L over the scenarios, reduced to the
/// margin components, and the account combination — read through unsafe pointers taken once per batch of accounts
/// (no ARC, no exclusivity checks, no dictionary, no allocation per account).
///
/// **Bit-identical to the scalar reference** (``RiskBook/referenceSummary(_:coin:exposed:underlying:)``): per
/// scenario the additions happen in the same order (`0 + coin·spot`, then each position in instrument-id order,
/// each as a separate multiply and add — SIMD lanes run across scenarios, never across positions, and Swift does
/// not contract `a + b·c` into a fused multiply-add). Minima are order-independent for the finite, never-negative-
/// zero values an accumulation from `+0` produces.
///
/// Layout: instrument rows of `rowStride` doubles (the scenario count rounded up to a multiple of 8, zero padded),
/// so every row is a whole number of `SIMD8<Double>`.
struct AggregationKernel {
    typealias V = SIMD8<Double>

    let rowStride: Int
    let chunks: Int
    let regular: Int
    let extremeEnd: Int
    let rollOffset: Int
    let coverage: Double
    let correlated: Bool
    let initialToMaintenance: Double
    let takeoverRatio: Double
    let underlyingCount: Int

    // Per instrument
    let pnl: UnsafePointer<Double>
    let liquidation: UnsafePointer<Double>
    let som: UnsafePointer<Double>
    let value: UnsafePointer<Double>
    let forward: UnsafePointer<Double>
    let isOption: UnsafePointer<Bool>
    let isLinear: UnsafePointer<Bool>
    let invalid: UnsafePointer<Bool>
    // Per underlying
    let spot: UnsafePointer<Double>
    let index: UnsafePointer<Double>
    let hasMarket: UnsafePointer<Bool>
    let sortedUnderlyings: UnsafePointer<Int>
    // Per account
    let slab: UnsafePointer<PositionSlot>
    let rangeStart: UnsafePointer<Int32>
    let rangeCount: UnsafePointer<Int32>
    let coins: UnsafePointer<Double>
    let holds: UnsafePointer<Bool>
    let stable: UnsafePointer<Double>
    let summaries: UnsafeMutablePointer<UnderlyingSummary>
    let margins: UnsafeMutablePointer<AccountMargin>
    /// `rowStride` doubles of scratch.
    let scratch: UnsafeMutablePointer<Double>

    @inline(__always)
    private func load(_ p: UnsafePointer<Double>, _ c: Int) -> V {
        UnsafeRawPointer(p + 8 &* c).loadUnaligned(as: V.self)
    }

    @inline(__always)
    private func store(_ v: V, _ c: Int) {
        UnsafeMutableRawPointer(scratch + 8 &* c).storeBytes(of: v, as: V.self)
    }

    /// The components of `count` positions of underlying `u` (in summation order) and a coin balance.
    @inline(__always)
    func summary(_ ps: UnsafePointer<PositionSlot>, count: Int, coin: Double, exposed: Bool, underlying u: Int)
        -> UnderlyingSummary
    {
        var s = UnderlyingSummary()
        s.exposed = exposed
        guard exposed, hasMarket[u] else { return s }
        let idx = index[u]
        // Scalar components, and the rows to add (invalid instruments count for nothing).
        return withUnsafeTemporaryAllocation(of: (UnsafePointer<Double>, Double).self, capacity: max(count, 1)) {
            rows -> UnderlyingSummary in
            var n = 0
            s.value += coin * idx
            for k in 0..<count {
                let p = ps[k]
                let slot = Int(p.instrument)
                if invalid[slot] { continue }
                let size = p.size
                s.liquidationCost += abs(size) * liquidation[slot]
                if size < 0 { s.som += -size * som[slot] }
                if isOption[slot] {
                    s.value += size * value[slot]
                } else if !p.entry.isNaN {
                    let f = forward[slot]
                    s.value += isLinear[slot] ? size * (f - p.entry) : size * (1 / p.entry - 1 / f) * idx
                }
                rows[n] = (pnl + slot &* rowStride, size)
                n += 1
            }
            // One sweep over the scenarios, positions inner: per scenario acc = 0 + coin·spot, then + size·row for
            // each position in order (the reference's order of additions, each a separate multiply and add); the
            // scan minimum is taken on the way, lane-wise.
            let spotRow = spot + u &* rowStride
            let coinV = V(repeating: coin)
            let fullChunks = regular / 8
            var low = V(repeating: .infinity)
            for c in 0..<chunks {
                var a = V(repeating: 0) + coinV * load(spotRow, c)
                var j = 0
                while j < n {
                    let (row, size) = rows[j]
                    a = a + V(repeating: size) * load(row, c)
                    j &+= 1
                }
                store(a, c)
                if c < fullChunks { low = low.replacing(with: a, where: a .< low) }
            }
            let acc = UnsafePointer(scratch)
            // Across lanes, then the regular scenarios past the last whole chunk (same semantics as the scalar
            // `x < lowest ? x : lowest`).
            var lowest = Double.infinity
            for l in 0..<8 { lowest = low[l] < lowest ? low[l] : lowest }
            for i in (fullChunks * 8)..<regular {
                let x = acc[i]
                lowest = x < lowest ? x : lowest
            }
            s.scan = max(0, -lowest)
            var lowestExtreme = Double.infinity
            for i in regular..<extremeEnd {
                let x = acc[i]
                lowestExtreme = x < lowestExtreme ? x : lowestExtreme
            }
            s.extreme = coverage * max(0, -lowestExtreme)
            s.roll = max(0, -acc[rollOffset], -acc[rollOffset + 1])
            return s
        }
    }

    /// Re-aggregates account `a` in underlying `u` into its cached summary.
    @inline(__always)
    func resummarize(_ a: Int, _ u: Int) {
        let idx = a &* underlyingCount &+ u
        summaries[idx] = summary(slab + Int(rangeStart[idx]), count: Int(rangeCount[idx]), coin: coins[idx],
                                 exposed: holds[idx], underlying: u)
    }

    /// `sum` mode: MM, IM, equity and health from the cached summaries, in ``MarginCalculator``'s order
    /// (underlyings by name; core, then rolls, then liquidation costs). Not for `correlated` mode.
    @inline(__always)
    func combineSum(_ a: Int) -> AccountMargin {
        let base = a &* underlyingCount
        var equity = stable[a]
        var core = 0.0
        for k in 0..<underlyingCount {
            let s = summaries[base + sortedUnderlyings[k]]
            if s.exposed { core += max(s.scan, s.extreme, s.som) }
        }
        var mm = core
        for k in 0..<underlyingCount {
            let s = summaries[base + sortedUnderlyings[k]]
            if s.exposed { mm += s.roll }
        }
        for k in 0..<underlyingCount {
            let s = summaries[base + sortedUnderlyings[k]]
            if s.exposed { mm += s.liquidationCost }
        }
        for k in 0..<underlyingCount {
            let s = summaries[base + sortedUnderlyings[k]]
            if s.exposed { equity += s.value }
        }
        let im = initialToMaintenance * mm
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: takeoverRatio))
    }
}
