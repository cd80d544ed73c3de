import MarginLedger
import MarginCore

/// One account's margin kept in a form that re-margins a change of one position (and of coin balances) in
/// O(scenarios) instead of O(positions × scenarios): the liquidation planner's screen of its candidate steps
/// (``LiquidationPlanner/bestStep(_:_:)``), which changes one position dozens of times over the same ledger.
///
/// It holds, per underlying, the account's aggregated row (the portfolio's P&L per scenario, USD: `coin·spot +
/// Σ size·row`, as ``AggregationKernel`` sums it) and its components. A candidate adds `Δsize·row` (and
/// `Δcoin·spot`) to the row, patches the liquidation cost and SOM, reduces the row with the kernel's own
/// ``AggregationKernel/reduceScenarios(_:lowestRegular:extremeEnd:regular:rollOffset:coverage:into:)`` and combines
/// with ``RiskBook/combineSum(_:stable:health:)``.
///
/// **Not bit-identical** to ``RiskBook/hypothetical(_:)``: the change is added to the total instead of the
/// positions being summed again in instrument-id order, so the MM differs from the exact one by floating-point
/// rounding (about 10⁻¹² relative; `IncrementalMarginTests` bounds it). The planner ranks with it and records the
/// chosen step's exact MM. `sum` mode only; `nil` (the caller re-margins exactly) in `correlated` mode, or when
/// any of the account's instruments, or the changed one, has no valid array or market.
struct IncrementalMargin {
    private let book: RiskBook
    private let summaries: [UnderlyingSummary]
    /// Per underlying slot, `rowStride` doubles: the aggregated row.
    private let rows: [Double]
    private let coins: [Double]
    /// Positions per underlying slot.
    private let positionCounts: [Int]
    /// Per underlying slot: the ledger has a balance entry of its coin (which exposes the account to it).
    private let coinEntries: [Bool]
    private let stable: Double
    private let health: Health

    /// The margin state of a ledger in hot-loop form (positions grouped by underlying slot, in instrument-id order
    /// within each, as ``RiskBook/hypothetical(positions:coins:stable:health:)`` takes them).
    init?(book: RiskBook, positions: [PositionSlot], coins: [(Int, Double)], stable: Double, health: Health) {
        guard !book.isCorrelated else { return nil }
        let uc = book.underlyingCount
        let rs = book.rowStride
        let (coinsByU, exposed) = book.exposure(positions: positions, coins: coins)
        var sums = [UnderlyingSummary](repeating: UnderlyingSummary(), count: uc)
        var rows = [Double](repeating: 0, count: max(uc * rs, 1))
        let valid: Bool = book.withKernel { k in
            for u in 0..<uc {
                let ps = positions.filter { Int($0.underlying) == u }
                if exposed[u], !k.hasMarket[u] { return false }
                sums[u] = ps.withUnsafeBufferPointer { buf in
                    k.summary(buf.baseAddress!, count: buf.count, coin: coinsByU[u], exposed: exposed[u],
                              underlying: u)
                }
                if sums[u].unpriced >= 0 { return false }
                // The kernel left the row it reduced in its scratch row (nothing when not exposed: zeros).
                if exposed[u] { for i in 0..<rs { rows[u * rs + i] = k.scratch[i] } }
            }
            return true
        }
        guard valid else { return nil }
        self.book = book
        self.summaries = sums
        self.rows = rows
        self.coins = coinsByU
        var entries = [Bool](repeating: false, count: uc)
        for (u, _) in coins { entries[u] = true }
        self.coinEntries = entries
        var counts = [Int](repeating: 0, count: uc)
        for p in positions { counts[Int(p.underlying)] += 1 }
        self.positionCounts = counts
        self.stable = stable
        self.health = health
    }

    /// The MM (USD) with the position in instrument `slot` resized from `oldSize` (0: not held) to `newSize` (0:
    /// closed) and, when `coin` is given, the coin balance of that underlying slot set to its `balance` (coins),
    /// everything else unchanged; `nil` when the changed instrument cannot be priced.
    func maintenanceMargin(instrument slot: Int, oldSize: Double, newSize: Double,
                           coin: (underlying: Int, balance: Double)?) -> Double? {
        let u = Int(book.instrumentUnderlying[slot])
        guard book.hasMarket[u] else { return nil }
        book.ensureFresh(slot)
        guard !book.invalid[slot] else { return nil }
        var sums = summaries
        let rs = book.rowStride
        let sc = book.calculator.scenarios
        let coverage = book.calculator.parameters.extremeCoverage
        let ds = newSize - oldSize
        for v in [u] + (coin.map { $0.underlying == u ? [] : [$0.underlying] } ?? []) {
            guard book.hasMarket[v] else { return nil }
            let dc = coin.map { $0.underlying == v ? $0.balance - coins[v] : 0 } ?? 0
            var s = sums[v]
            let coinHeld = coin?.underlying == v || coinEntries[v]
            if v == u, newSize == 0, positionCounts[u] == (oldSize != 0 ? 1 : 0), !coinHeld {
                sums[v] = UnderlyingSummary()  // its last position closed, no coin: no exposure left
                continue
            }
            s.exposed = true
            withUnsafeTemporaryAllocation(of: Double.self, capacity: rs) { acc in
                let base = v * rs
                book.spotTable.withUnsafeBufferPointer { spot in
                    book.pnl.withUnsafeBufferPointer { pnl in
                        let row = slot * rs
                        for i in 0..<rs {
                            var x = rows[base + i]
                            if dc != 0 { x += dc * spot[base + i] }
                            if v == u { x += ds * pnl[row + i] }
                            acc[i] = x
                        }
                    }
                }
                var low = Double.infinity
                for i in 0..<sc.regularCount { low = acc[i] < low ? acc[i] : low }
                AggregationKernel.reduceScenarios(UnsafePointer(acc.baseAddress!), lowestRegular: low,
                                                  extremeEnd: sc.rollOffset, regular: sc.regularCount,
                                                  rollOffset: sc.rollOffset, coverage: coverage, into: &s)
            }
            if v == u {
                s.liquidationCost += (abs(newSize) - abs(oldSize)) * book.liquidationPerUnit[slot]
                s.som += (max(0, -newSize) - max(0, -oldSize)) * book.somPerUnit[slot]
            }
            sums[v] = s
        }
        let m = book.combineSum(sums, stable: stable, health: health)
        return m.isRiskAvailable ? m.maintenanceMargin : nil
    }
}
