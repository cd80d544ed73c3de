/// The nearest correlation matrix in the Frobenius norm, by Higham's alternating projections with Dykstra's
/// correction (N. J. Higham, "Computing the nearest correlation matrix — a problem from finance", IMA J. Numer. Anal.
/// 22 (2002) 329–343, Algorithm 3.3 with W = I), with a floor δ on the eigenvalues so the result is strictly
/// positive definite (and passes ``CorrelationModel``'s Cholesky check, whose pivots are ≥ the smallest eigenvalue).
///
/// Iteration: `R = Y − ΔS; X = P_S(R); ΔS = X − R; Y = P_U(X)`, where `P_S` sets every eigenvalue below δ to δ
/// (the projection onto the closed convex set {λ_min ≥ δ}) and `P_U` sets the diagonal to 1; it stops when X and Y
/// change by less than `tolerance` (relative, Frobenius) and agree to it. The result is then made exact: `P_S` once
/// more and the congruence `D^{−1/2}·X·D^{−1/2}` (D = diag X) back to a unit diagonal, which keeps every eigenvalue
/// positive (≥ δ / max Dᵢᵢ ≈ δ). A matrix that already has a unit diagonal and eigenvalues ≥ δ is returned
/// unchanged (zero iterations), so consistent tables pass through bit for bit. Deterministic; no allocation
/// beyond O(n²) per iteration.
public struct NearestCorrelationMatrix: Hashable, Sendable {
    /// The result of a projection.
    public struct Result: Hashable, Sendable {
        /// The correlation matrix, row-major n × n: symmetric, unit diagonal, eigenvalues > 0.
        public var matrix: [Double]
        /// Alternating-projection iterations used (0 when the input was already acceptable).
        public var iterations: Int
        /// Whether the iteration met `tolerance` within `maximumIterations` (the result is positive definite
        /// either way).
        public var converged: Bool
        /// The result's smallest eigenvalue.
        public var minimumEigenvalue: Double
    }

    /// δ: the smallest eigenvalue the result may have, in (0, 1). Default 1e−6.
    public var eigenvalueFloor: Double
    /// Relative change (Frobenius) at which the iteration stops. Default 1e−12.
    public var tolerance: Double
    /// Most iterations. Default 10,000.
    public var maximumIterations: Int

    public init(eigenvalueFloor: Double = 1e-6, tolerance: Double = 1e-12, maximumIterations: Int = 10_000) {
        self.eigenvalueFloor = eigenvalueFloor
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
    }

    /// The correlation matrix nearest to the symmetric part of `matrix` (row-major n × n) with eigenvalues ≥ δ.
    /// The input's diagonal does not matter (it is replaced by ones).
    ///
    /// - Throws: ``InputError`` when the matrix is not n × n or has a non-finite entry, or the floor is not in (0, 1).
    public func nearest(to matrix: [Double], dimension n: Int) throws(InputError) -> Result {
        let delta = eigenvalueFloor
        guard delta.isFinite, delta > 0, delta < 1 else {
            throw InputError.invalid(path: "eigenvalueFloor", reason: "must be in (0, 1), got \(delta)")
        }
        guard n >= 0, matrix.count == n * n else {
            throw InputError.invalid(path: "matrix", reason: "must hold \(n) × \(n) values, has \(matrix.count)")
        }
        for (k, v) in matrix.enumerated() where !v.isFinite {
            throw InputError.invalid(path: "matrix[\(k / n)][\(k % n)]", reason: "must be finite, got \(v)")
        }
        // The symmetric part with a unit diagonal.
        var y = matrix
        for i in 0..<n {
            for j in 0..<n { y[i * n + j] = i == j ? 1 : 0.5 * (matrix[i * n + j] + matrix[j * n + i]) }
        }
        let initial = try SymmetricEigenDecomposition(y, dimension: n)
        if n == 0 || initial.values[0] >= delta {
            return Result(matrix: y, iterations: 0, converged: true, minimumEigenvalue: initial.values.first ?? 1)
        }
        var correction = [Double](repeating: 0, count: n * n)
        var x = y
        var iterations = 0
        var converged = false
        while iterations < maximumIterations {
            iterations += 1
            var r = y
            for k in 0..<(n * n) { r[k] -= correction[k] }
            let newX = try SymmetricEigenDecomposition(r, dimension: n).reconstructed(mapping: { max($0, delta) })
            for k in 0..<(n * n) { correction[k] = newX[k] - r[k] }
            var newY = newX
            for i in 0..<n { newY[i * n + i] = 1 }
            let changeX = NearestCorrelationMatrix.distance(newX, x) / NearestCorrelationMatrix.norm(newX)
            let changeY = NearestCorrelationMatrix.distance(newY, y) / NearestCorrelationMatrix.norm(newY)
            let gap = NearestCorrelationMatrix.distance(newY, newX) / NearestCorrelationMatrix.norm(newY)
            x = newX
            y = newY
            if max(changeX, changeY, gap) <= tolerance {
                converged = true
                break
            }
        }
        // Exact finish: eigenvalues ≥ δ, then back to a unit diagonal by congruence (keeps them positive).
        let floored = try SymmetricEigenDecomposition(y, dimension: n).reconstructed(mapping: { max($0, delta) })
        var c = floored
        for i in 0..<n {
            for j in 0..<n {
                c[i * n + j] = i == j ? 1 : floored[i * n + j] / (floored[i * n + i] * floored[j * n + j]).squareRoot()
            }
        }
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let v = min(max(c[i * n + j], -1), 1)
                c[i * n + j] = v
                c[j * n + i] = v
            }
        }
        let final = try SymmetricEigenDecomposition(c, dimension: n)
        return Result(matrix: c, iterations: iterations, converged: converged,
                      minimumEigenvalue: final.values.first ?? 1)
    }

    private static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for k in a.indices { s += (a[k] - b[k]) * (a[k] - b[k]) }
        return s.squareRoot()
    }

    private static func norm(_ a: [Double]) -> Double {
        var s = 0.0
        for v in a { s += v * v }
        return max(s.squareRoot(), .leastNormalMagnitude)
    }
}
