/// The admissible joint moves of one (stressed) correlation matrix on the normalised price grid, stored as runs.
///
/// A joint move is a grid index per underlying, `(i₀, …, iₙ₋₁)` into `xs`; it is admissible when
/// `xᵀ C⁻¹ x ≤ 1 + 1e−9` with `x_u = xs[i_u]`, the quadratic form evaluated term by term exactly as the exhaustive
/// enumeration (``CorrelationModel/exhaustiveJointLoss(lossCurves:xs:stress:)``) evaluates it, so both classify every
/// move identically. For a fixed prefix `(i₀, …, iₙ₋₂)` the admissible values of the last index form a contiguous run
/// `lo…hi` (the ellipsoid is convex); the set is stored as those runs in lexicographic order of (prefix, `lo`). Every
/// grid point is tested when the runs are built, so the representation is exact whatever the rounding: a prefix whose
/// run rounding split in two would simply have two runs.
///
/// Depends only on the matrix and the grid, never on an account: built once per matrix (O(gⁿ) quadratic forms) and
/// reused. Runs are kept for one to three underlyings (what ``MarginCalculator`` enumerates); more than three are
/// evaluated by exhaustive enumeration.
public struct AdmissibleMoves: Hashable, Sendable {
    /// One run: a prefix and the contiguous admissible range of the last underlying's index.
    struct Run: Hashable, Sendable {
        /// Offsets of the prefix's loss values in the evaluation buffer (`i₀`, and `g + i₁`); −1 when unused.
        var first: Int32
        var second: Int32
        /// The last underlying's admissible grid indices, `lo…hi` (inclusive).
        var lo: Int32
        var hi: Int32
        /// Offsets in the evaluation buffer of the two sparse-table cells whose maximum is `max ℓ_last[lo…hi]`.
        var queryA: Int32
        var queryB: Int32
    }

    /// Number of underlyings.
    public let dimension: Int
    /// Number of grid points per underlying.
    public let gridCount: Int
    /// `C⁻¹`, row-major `dimension × dimension`.
    public let inverse: [Double]
    /// The runs, lexicographic; empty when `dimension` is 0 or above 3.
    let runs: [Run]

    /// Number of admissible joint moves.
    public var count: Int { runs.reduce(0) { $0 + Int($1.hi - $1.lo) + 1 } }

    /// Whether the runs represent the set (1 to 3 underlyings); otherwise evaluation enumerates exhaustively.
    var hasRuns: Bool { dimension >= 1 && dimension <= 3 && gridCount > 0 }

    /// Classifies every joint move of the grid for the matrix whose inverse is `inverse`.
    ///
    /// - Parameters:
    ///   - inverse: `C⁻¹`, row-major `dimension × dimension`.
    ///   - xs: the normalised grid `m / priceRange`, ascending.
    init(inverse: [Double], dimension n: Int, xs: [Double]) {
        let g = xs.count
        self.dimension = n
        self.gridCount = g
        self.inverse = inverse
        guard n >= 1, n <= 3, g > 0, g < Int(Int32.max) / 8 else {
            runs = []
            return
        }
        var runs: [Run] = []
        var idx = [Int](repeating: 0, count: n)
        var prefixes = 1
        for _ in 0..<(n - 1) { prefixes *= g }
        for _ in 0..<prefixes {
            var start = -1
            for last in 0...g {
                var admissible = false
                if last < g {
                    idx[n - 1] = last
                    // The exhaustive enumeration's quadratic form, term for term.
                    var q = 0.0
                    for a in 0..<n {
                        let xa = xs[idx[a]]
                        for b in 0..<n { q += xa * inverse[a * n + b] * xs[idx[b]] }
                    }
                    admissible = q <= 1 + 1e-9
                }
                if admissible {
                    if start < 0 { start = last }
                } else if start >= 0 {
                    runs.append(AdmissibleMoves.run(prefix: idx, lo: start, hi: last - 1, dimension: n, gridCount: g))
                    start = -1
                }
            }
            var a = n - 2
            while a >= 0 {
                idx[a] += 1
                if idx[a] < g { break }
                idx[a] = 0
                a -= 1
            }
        }
        self.runs = runs
    }

    /// Number of sparse-table levels over `g` points: lengths 1, 2, 4, … ≤ g.
    static func levels(gridCount g: Int) -> Int { g > 0 ? Int.bitWidth - g.leadingZeroBitCount : 0 }

    /// Offset of sparse-table level `k` in the evaluation buffer: level 0 is the last underlying's loss curve itself,
    /// levels 1… follow the `n` curves.
    static func levelOffset(_ k: Int, dimension n: Int, gridCount g: Int) -> Int {
        k == 0 ? (n - 1) * g : n * g + (k - 1) * g
    }

    private static func run(prefix: [Int], lo: Int, hi: Int, dimension n: Int, gridCount g: Int) -> Run {
        let k = Int.bitWidth - 1 - (hi - lo + 1).leadingZeroBitCount
        let base = levelOffset(k, dimension: n, gridCount: g)
        return Run(first: n >= 2 ? Int32(prefix[0]) : -1, second: n >= 3 ? Int32(g + prefix[1]) : -1,
                   lo: Int32(lo), hi: Int32(hi), queryA: Int32(base + lo), queryB: Int32(base + hi - (1 << k) + 1))
    }

    /// The grid indices of the move at index `last` of run `r`.
    func move(run r: Int, last: Int) -> (Int, Int, Int) {
        let run = runs[r]
        switch dimension {
        case 1: return (last, 0, 0)
        case 2: return (Int(run.first), last, 0)
        default: return (Int(run.first), Int(run.second) - gridCount, last)
        }
    }

    /// The largest `Σ_u ℓ_u(x_u)` over the admissible moves and the first run and index attaining it, in the
    /// exhaustive enumeration's order and with its arithmetic.
    ///
    /// Each sum is `((0 + ℓ₀(i₀)) + ℓ₁(i₁)) + ℓ₂(i₂)`, the enumeration's order. For a run with prefix sum `p`,
    /// `max_i fl(p + ℓ(i)) = fl(p + max_i ℓ(i))` because rounded addition is monotone, so one sparse-table query
    /// gives the run's maximum; only when it beats the best so far is the run scanned for the first index whose sum
    /// equals it (strictly larger replaces, so the first maximum wins, as in the enumeration). That scan is done
    /// once, for the final best run: every improving run's best is its exact maximum sum, so the comparisons, the
    /// winning run and the first index in it are the same as scanning each improving run in turn.
    ///
    /// - Parameter buffer: the `dimension` loss curves (`gridCount` values each, finite), then the sparse-table
    ///   levels 1… of the last curve (see ``CorrelatedGrid``).
    /// - Returns: the best sum (−∞ when no move is admissible), its run (−1 if none) and last index.
    @inline(__always)
    func worst(in buffer: UnsafePointer<Double>) -> (sum: Double, run: Int, last: Int) {
        switch dimension {
        case 3: return worst(in: buffer) { run in (0.0 + buffer[Int(run.first)]) + buffer[Int(run.second)] }
        case 2: return worst(in: buffer) { run in 0.0 + buffer[Int(run.first)] }
        default: return worst(in: buffer) { _ in 0.0 }
        }
    }

    /// ``worst(in:)`` with the prefix sum of a run given by `prefixSum` (one specialisation per dimension).
    @inline(__always)
    private func worst(in buffer: UnsafePointer<Double>, prefixSum: (Run) -> Double)
        -> (sum: Double, run: Int, last: Int)
    {
        let lastCurve = buffer + (dimension - 1) * gridCount
        return runs.withUnsafeBufferPointer { rs in
            var best = -Double.infinity
            var bestRun = -1
            for r in 0..<rs.count {
                let run = rs[r]
                let s = prefixSum(run) + max(buffer[Int(run.queryA)], buffer[Int(run.queryB)])
                if s > best {
                    best = s
                    bestRun = r
                }
            }
            guard bestRun >= 0 else { return (best, -1, 0) }
            // The first index of the best run attaining its maximum.
            let run = rs[bestRun]
            let p = prefixSum(run)
            var i = Int(run.lo)
            while i < Int(run.hi), p + lastCurve[i] != best { i += 1 }
            return (p + lastCurve[i], bestRun, i)
        }
    }
}
