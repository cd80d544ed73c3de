import MarginLedger
import CVectorMath
import MarginCore

/// The per-account hot loop of the ``RiskBook``: Σ size × instrument P&L over the scenarios, reduced to the
/// margin components, and the account combination — read through unsafe pointers taken once per batch of accounts
/// (no ARC, no exclusivity checks, no dictionary, no allocation per account).
///
/// **Bit-identical to the scalar reference** (``RiskBook/referenceSummary(_:coin:exposed:underlying:)``): per
/// scenario the additions happen in the same order (`0 + coin·spot`, then each position in instrument-id order,
/// each as a separate multiply and add). The sweep over the scenarios is the C kernel `vm_accumulate_rows`
/// (CVectorMath): AVX2 or AVX-512 chosen at run time, SIMD lanes across scenarios, never across positions, and
/// compiled with floating-point contraction off, so no fused multiply-add; all its paths give the same bits.
/// Minima are order-independent for the finite, never-negative-zero values an accumulation from `+0` produces.
///
/// Layout: instrument rows of `rowStride` doubles (the scenario count rounded up to a multiple of 8, zero padded),
/// so every row is a whole number of 8-double vectors.
///
/// Several kernels may run at once on disjoint accounts (each with its own `scratch`): they write only the
/// `summaries` and `margins` of the accounts they are given.
struct AggregationKernel: @unchecked Sendable {
    let rowStride: Int
    let regular: Int
    let extremeEnd: Int
    let rollOffset: Int
    let coverage: Double
    let correlated: Bool
    let initialToMaintenance: Double
    let takeoverRatio: Double
    let underlyingCount: Int
    /// Bounds of the arrays behind the pointers (checked by the debug builds' internal assertions only).
    let instrumentCount: Int
    let accountCount: Int
    let slabCount: Int

    // Per instrument
    let pnl: UnsafePointer<Double>
    let liquidation: UnsafePointer<Double>
    let som: UnsafePointer<Double>
    let value: UnsafePointer<Double>
    let forward: UnsafePointer<Double>
    let isOption: UnsafePointer<Bool>
    let isLinear: UnsafePointer<Bool>
    let invalid: UnsafePointer<Bool>
    /// Instrument ids by slot (read only to name an unpriceable instrument).
    let instrumentIds: UnsafePointer<String>
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
    /// The health last journaled per account: what an account whose risk is unavailable keeps.
    let journaledHealth: UnsafePointer<Health>
    let summaries: UnsafeMutablePointer<UnderlyingSummary>
    let margins: UnsafeMutablePointer<AccountMargin>
    /// `rowStride` doubles of scratch (one row per thread, see ``using(scratchRow:)``).
    private(set) var scratch: UnsafeMutablePointer<Double>
    /// The C kernel's instruction-set path (`vm_widest_isa()`; every path gives the same bits).
    let isa: Int32

    // `correlated` mode only (``AggregationKernel+Correlated``)
    /// Per (account, underlying): the account's core portfolio has the underlying (a position or a balance entry).
    let member: UnsafePointer<Bool>
    /// Per (account, underlying): the price-loss curve ℓ_u, ``CorrelatedCombination/priceCount`` doubles each.
    let curves: UnsafeMutablePointer<Double>
    /// The grid source and scenario layout of the correlated combination.
    let correlation: CorrelatedCombination

    /// The components of `count` positions of underlying `u` (in summation order) and a coin balance.
    @inline(__always)
    func summary(_ ps: UnsafePointer<PositionSlot>, count: Int, coin: Double, exposed: Bool, underlying u: Int)
        -> UnderlyingSummary
    {
        assert(u >= 0 && u < underlyingCount && count >= 0, "AggregationKernel.summary: underlying or count out of range")
        var s = UnderlyingSummary()
        s.exposed = exposed
        guard exposed else { return s }
        guard hasMarket[u] else {
            // No market (a state built without events): nothing of it can be priced.
            for k in 0..<count where ps[k].size != 0 {
                s.unpriced = ps[k].instrument
                break
            }
            return s
        }
        let idx = index[u]
        // Scalar components, and the rows to add. An instrument without a valid array adds nothing here and is
        // recorded instead: the account's risk is then unavailable (``combineSum(_:)``), never counted as zero.
        return withUnsafeTemporaryAllocation(of: UnsafePointer<Double>?.self, capacity: max(count, 1)) { rows in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(count, 1)) { sizes -> UnderlyingSummary in
                var n = 0
                s.value += coin * idx
                for k in 0..<count {
                    let p = ps[k]
                    let slot = Int(p.instrument)
                    let size = p.size
                    assert(slot >= 0 && slot < instrumentCount && Int(p.underlying) == u,
                           "AggregationKernel.summary: a position outside the instrument table or its underlying")
                    if invalid[slot] {
                        if size != 0, s.unpriced < 0 { s.unpriced = p.instrument }
                        continue
                    }
                    s.liquidationCost += abs(size) * liquidation[slot]
                    if size < 0 { s.som += -size * som[slot] }
                    if isOption[slot] {
                        s.value += size * value[slot]
                    } else if !p.entry.isNaN {
                        s.value += Equity.future(size: size, entry: p.entry, forward: forward[slot], index: idx,
                                                 linear: isLinear[slot])
                    }
                    rows[n] = pnl + slot &* rowStride
                    sizes[n] = size
                    n += 1
                }
                // One sweep over the scenarios in C (`vm_accumulate_rows`, AVX2/AVX-512 chosen at run time): per
                // scenario acc = 0 + coin·spot, then + size·row for each position in order (the reference's order
                // of additions, each a separate multiply and add), with the scan minimum taken on the way.
                assert(n <= count && regular <= extremeEnd && rollOffset + 1 < rowStride,
                       "AggregationKernel.summary: scenario layout out of the row")
                let lowest = vm_accumulate_rows(isa, rows.baseAddress, sizes.baseAddress, n, spot + u &* rowStride,
                                                coin, rowStride, regular, scratch)
                Self.reduceScenarios(UnsafePointer(scratch), lowestRegular: lowest, extremeEnd: extremeEnd,
                                     regular: regular, rollOffset: rollOffset, coverage: coverage, into: &s)
                return s
            }
        }
    }

    /// The scenario components of an aggregated row `acc` (the portfolio's P&L per scenario, USD): `scan` (the
    /// worst regular loss; `lowestRegular` is the row's minimum over the regular scenarios), `extreme` (the worst
    /// extreme-move loss × coverage) and `roll` (the worse of the two roll scenarios), each a loss ≥ 0.
    @inline(__always)
    static func reduceScenarios(_ acc: UnsafePointer<Double>, lowestRegular: Double, extremeEnd: Int, regular: Int,
                                rollOffset: Int, coverage: Double, into s: inout UnderlyingSummary) {
        s.scan = max(0, -lowestRegular)
        var lowestExtreme = Double.infinity
        for i in regular..<extremeEnd {
            let x = acc[i]
            lowestExtreme = x < lowestExtreme ? x : lowestExtreme
        }
        s.extreme = coverage * max(0, -lowestExtreme)
        s.roll = max(0, -acc[rollOffset], -acc[rollOffset + 1])
    }

    /// The margin of account `a`, whose risk is unavailable because it holds instrument `slot`.
    func unavailable(_ a: Int, slot: Int32) -> AccountMargin {
        .unavailable(instrument: instrumentIds[Int(slot)], health: journaledHealth[a])
    }

    /// The first unpriceable instrument slot account `a` holds (by underlying name), or −1.
    func unpriced(_ a: Int) -> Int32 {
        let base = a &* underlyingCount
        for k in 0..<underlyingCount {
            let s = summaries[base + sortedUnderlyings[k]]
            if s.exposed, s.unpriced >= 0 { return s.unpriced }
        }
        return -1
    }

    /// The same kernel with scratch row `t` of the book's ``RiskBook/maxThreads`` rows: the kernel of thread `t`.
    func using(scratchRow t: Int) -> AggregationKernel {
        var k = self
        k.scratch = scratch + t &* rowStride
        return k
    }

    /// Re-aggregates, in `sum` mode, the underlyings `updated` of every account in `accounts` (each only where the
    /// account holds it) and recombines it: its margin lands in ``margins``, its cushion in `cushions[i]`. Returns
    /// the accounts whose computed health differs from `journaled`, in the order of `accounts`.
    func sweep(_ accounts: UnsafeBufferPointer<Int32>, updated: UnsafeBufferPointer<Int>,
               cushions: UnsafeMutablePointer<Double>, journaled: UnsafePointer<Health>) -> [Int32] {
        var changed: [Int32] = []
        for i in 0..<accounts.count {
            let a = Int(accounts[i])
            for u in updated where holds[a &* underlyingCount &+ u] { resummarize(a, u) }
            let m = combineSum(a)
            margins[a] = m
            cushions[i] = m.cushion
            if m.health != journaled[a] { changed.append(Int32(a)) }
        }
        return changed
    }

    /// Re-aggregates account `a` in underlying `u` into its cached summary.
    @inline(__always)
    func resummarize(_ a: Int, _ u: Int) {
        let idx = a &* underlyingCount &+ u
        assert(a >= 0 && a < accountCount && u >= 0 && u < underlyingCount, "AggregationKernel: account out of range")
        assert(rangeStart[idx] >= 0 && Int(rangeStart[idx]) + Int(rangeCount[idx]) <= slabCount,
               "AggregationKernel: an account's position range outside the slab")
        summaries[idx] = summary(slab + Int(rangeStart[idx]), count: Int(rangeCount[idx]), coin: coins[idx],
                                 exposed: holds[idx], underlying: u)
    }

    /// `sum` mode for account `a`: ``combineSum(_:stable:health:)`` of its cached summaries.
    @inline(__always)
    func combineSum(_ a: Int) -> AccountMargin {
        combineSum(summaries + a &* underlyingCount, stable: stable[a], health: journaledHealth[a])
    }

    /// `sum` mode: MM, IM, equity and health (USD) of one account's summaries (`underlyingCount` of them, by
    /// underlying slot) and its stablecoin balances `stable`, in ``MarginCalculator``'s order (underlyings by name;
    /// core `max(scan, extreme, SOM)`, then rolls, then liquidation costs; equity the balances plus each
    /// underlying's value). The engine's one combination in `sum` mode: the book's accounts, hypothetical ledgers
    /// and the planner's screen all come here. An account holding an instrument without a valid array gets
    /// ``AccountMargin/unavailable(instrument:health:)`` with `health` (fail closed: never counted as zero).
    @inline(__always)
    func combineSum(_ s: UnsafePointer<UnderlyingSummary>, stable: Double, health: Health) -> AccountMargin {
        Self.combineSum(s, sortedUnderlyings: sortedUnderlyings, underlyingCount: underlyingCount, stable: stable,
                        health: health, initialToMaintenance: initialToMaintenance, takeoverRatio: takeoverRatio,
                        instrumentIds: instrumentIds)
    }

    /// ``combineSum(_:stable:health:)`` given the few book arrays and parameters it reads (callers outside a
    /// kernel: ``RiskBook/combineSum(_:stable:health:)``).
    @inline(__always)
    static func combineSum(_ s: UnsafePointer<UnderlyingSummary>, sortedUnderlyings: UnsafePointer<Int>,
                           underlyingCount: Int, stable: Double, health: Health, initialToMaintenance: Double,
                           takeoverRatio: Double, instrumentIds: UnsafePointer<String>) -> AccountMargin {
        var equity = stable
        var core = 0.0
        var unpriced: Int32 = -1
        for k in 0..<underlyingCount {
            let x = s[sortedUnderlyings[k]]
            if x.exposed {
                core += max(x.scan, x.extreme, x.som)
                if x.unpriced >= 0, unpriced < 0 { unpriced = x.unpriced }
            }
        }
        if unpriced >= 0 { return .unavailable(instrument: instrumentIds[Int(unpriced)], health: health) }
        var mm = core
        for k in 0..<underlyingCount where s[sortedUnderlyings[k]].exposed { mm += s[sortedUnderlyings[k]].roll }
        for k in 0..<underlyingCount where s[sortedUnderlyings[k]].exposed {
            mm += s[sortedUnderlyings[k]].liquidationCost
        }
        for k in 0..<underlyingCount where s[sortedUnderlyings[k]].exposed { equity += s[sortedUnderlyings[k]].value }
        let im = initialToMaintenance * mm
        assert(mm >= 0 && !mm.isNaN, "AggregationKernel: a negative or NaN maintenance margin")
        return AccountMargin(equity: equity, maintenanceMargin: mm, initialMargin: im,
                             health: Health(equity: equity, initialMargin: im, maintenanceMargin: mm,
                                            takeoverRatio: takeoverRatio))
    }
}
