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
    /// Computes the admissible joint moves of both stressed matrices (``CorrelatedGrid``) and evaluates them once;
    /// callers that margin many accounts over the same matrix keep the grid (``CorrelatedGridCache``) instead.
    /// Equal, bit for bit, to the exhaustive enumeration (``exhaustiveJointLoss(lossCurves:xs:stress:)``).
    ///
    /// - Parameter lossCurves: `ℓ_u` per underlying, same order as `names`, each over the grid `xs`.
    /// - Returns: the joint loss (≥ 0) and the grid indices of the worst joint move.
    public func jointLoss(lossCurves: [[Double]], xs: [Double], stress: Double) -> (loss: Double, move: [Int]) {
        correlatedGrid(xs: xs, stress: stress).jointLoss(lossCurves: lossCurves)
    }

    /// The admissible joint moves of `C(ρ + stress)` and `C(ρ − stress)` on the normalised grid `xs`: what
    /// correlated mode needs of the matrix, independent of any account. O(gⁿ) once; see ``CorrelatedGrid``.
    public func correlatedGrid(xs: [Double], stress: Double) -> CorrelatedGrid {
        let n = names.count
        var sides: [AdmissibleMoves?] = []
        for sign in [1.0, -1.0] {
            let c = admissibleMatrix(stress: sign * stress)
            sides.append(CorrelationModel.inverse(c, n).map { AdmissibleMoves(inverse: $0, dimension: n, xs: xs) })
        }
        return CorrelatedGrid(names: names, xs: xs, up: sides[0], down: sides[1])
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
