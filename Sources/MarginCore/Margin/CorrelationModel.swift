/// The `correlated` aggregation of MARGIN_MODEL.md: the maximum of `Σ_u ℓ_u(x_u)` over joint normalised price
/// moves `x` on the grid with `xᵀ C⁻¹ x ≤ 1 + 1e−9`, for the correlation matrix stressed up and down by
/// `correlationStress` (each ρ clamped to [−0.99, 0.99]); the larger of the two.
///
/// Choice where the specification is silent (documented in the README): if a stressed matrix is not positive
/// definite, the stress applied to it is reduced (bisection) to the largest that keeps it positive definite.
public struct CorrelationModel: Sendable {
    /// Underlyings in the enumeration order.
    public let names: [String]
    /// The unstressed matrix (row-major), ρ clamped.
    public let matrix: [Double]

    /// Builds and validates the matrix of `names` from `table`.
    ///
    /// - Throws: ``InputError`` naming the pair at which the matrix stops being positive definite.
    public init(names: [String], table: CorrelationTable) throws(InputError) {
        self.names = names
        let n = names.count
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                m[i * n + j] = i == j ? 1 : min(max(table.rho(names[i], names[j]), -0.99), 0.99)
            }
        }
        matrix = m
        if let (i, j) = CorrelationModel.choleskyFailure(m, n) {
            throw InputError.invalid(
                path: "$.correlations[\(names[min(i, j)])/\(names[max(i, j)])]",
                reason: "the correlation matrix is not positive definite (fails at pair \(names[min(i, j)])/\(names[max(i, j)]))")
        }
    }

    /// The matrix with every off-diagonal ρ moved by `delta`, clamped to [−0.99, 0.99].
    public func stressed(by delta: Double) -> [Double] {
        let n = names.count
        var m = matrix
        for i in 0..<n {
            for j in 0..<n where i != j { m[i * n + j] = min(max(matrix[i * n + j] + delta, -0.99), 0.99) }
        }
        return m
    }

    /// The largest joint loss over the admissible grid, for the matrix stressed by `+stress` and `−stress`.
    ///
    /// - Parameter lossCurves: `ℓ_u` per underlying, same order as `names`, each over the grid `xs`.
    /// - Returns: the joint loss (≥ 0) and the grid indices of the worst joint move.
    public func jointLoss(lossCurves: [[Double]], xs: [Double], stress: Double) -> (loss: Double, move: [Int]) {
        var best = (loss: 0.0, move: [Int](repeating: xs.firstIndex(of: 0) ?? 0, count: names.count))
        for sign in [1.0, -1.0] {
            let c = admissibleMatrix(stress: sign * stress)
            guard let inverse = CorrelationModel.inverse(c, names.count) else { continue }
            let r = enumerate(lossCurves: lossCurves, xs: xs, inverse: inverse)
            if r.loss > best.loss { best = r }
        }
        return best
    }

    /// The stressed matrix, with the stress reduced until positive definite.
    func admissibleMatrix(stress: Double) -> [Double] {
        let n = names.count
        let full = stressed(by: stress)
        if CorrelationModel.choleskyFailure(full, n) == nil { return full }
        var lo = 0.0
        var hi = 1.0
        for _ in 0..<50 {
            let mid = 0.5 * (lo + hi)
            if CorrelationModel.choleskyFailure(stressed(by: stress * mid), n) == nil { lo = mid } else { hi = mid }
        }
        return stressed(by: stress * lo)
    }

    private func enumerate(lossCurves: [[Double]], xs: [Double], inverse: [Double]) -> (loss: Double, move: [Int]) {
        let n = names.count
        let g = xs.count
        var best = -Double.infinity
        var bestMove = [Int](repeating: 0, count: n)
        var idx = [Int](repeating: 0, count: n)
        let total = (0..<n).reduce(1) { acc, _ in acc * g }
        for _ in 0..<total {
            var q = 0.0
            for a in 0..<n {
                let xa = xs[idx[a]]
                for b in 0..<n { q += xa * inverse[a * n + b] * xs[idx[b]] }
            }
            if q <= 1 + 1e-9 {
                var sum = 0.0
                for a in 0..<n { sum += lossCurves[a][idx[a]] }
                if sum > best {
                    best = sum
                    bestMove = idx
                }
            }
            var a = n - 1
            while a >= 0 {
                idx[a] += 1
                if idx[a] < g { break }
                idx[a] = 0
                a -= 1
            }
        }
        return (max(0, best), bestMove)
    }

    /// The (row, column) where Cholesky fails, or `nil` when positive definite.
    static func choleskyFailure(_ m: [Double], _ n: Int) -> (Int, Int)? {
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = m[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 1e-12 else {
                // Report the pair whose correlation made the pivot fail: the largest |ρ| in row j left of j.
                var worst = 0
                for k in 0..<j where abs(m[j * n + k]) > abs(m[j * n + worst]) { worst = k }
                return (worst, j)
            }
            let ljj = d.squareRoot()
            l[j * n + j] = ljj
            for i in (j + 1)..<max(j + 1, n) {
                var s = m[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / ljj
            }
        }
        return nil
    }

    /// Gauss–Jordan inverse with partial pivoting; `nil` if singular.
    static func inverse(_ m: [Double], _ n: Int) -> [Double]? {
        var a = m
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            var pivot = col
            for r in col..<n where abs(a[r * n + col]) > abs(a[pivot * n + col]) { pivot = r }
            guard abs(a[pivot * n + col]) > 1e-14 else { return nil }
            if pivot != col {
                for k in 0..<n {
                    a.swapAt(pivot * n + k, col * n + k)
                    inv.swapAt(pivot * n + k, col * n + k)
                }
            }
            let p = a[col * n + col]
            for k in 0..<n {
                a[col * n + k] /= p
                inv[col * n + k] /= p
            }
            for r in 0..<n where r != col {
                let factor = a[r * n + col]
                if factor == 0 { continue }
                for k in 0..<n {
                    a[r * n + k] -= factor * a[col * n + k]
                    inv[r * n + k] -= factor * inv[col * n + k]
                }
            }
        }
        return inv
    }
}
