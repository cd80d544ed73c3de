/// The eigen-decomposition `A = V·Λ·Vᵀ` of a real symmetric matrix, by the cyclic Jacobi method.
///
/// Each sweep rotates every off-diagonal pair `(p, q)` to zero (Golub & Van Loan, *Matrix Computations*, §8.5;
/// the rotation in the numerically stable form of Rutishauser); sweeps repeat until the off-diagonal mass is below
/// `1e−30` of the matrix's (quadratic convergence: a handful of sweeps for n ≤ 10), at most 100. Written for the
/// small matrices of correlation tables (n ≤ ~20; O(n³) per sweep). Deterministic: the same input gives the same bits.
///
/// Eigenvalues are ascending; `vectors` is row-major n × n with column j (`vectors[i·n + j]`, i = 0…n−1) the unit
/// eigenvector of `values[j]`.
public struct SymmetricEigenDecomposition: Hashable, Sendable {
    /// Order of the matrix.
    public let dimension: Int
    /// Eigenvalues, ascending.
    public let values: [Double]
    /// Eigenvectors as columns, row-major n × n.
    public let vectors: [Double]
    /// Jacobi sweeps used.
    public let sweeps: Int

    /// Decomposes `matrix` (row-major n × n; its symmetric part `(A + Aᵀ)/2` is used).
    ///
    /// - Throws: ``InputError`` when `matrix` does not hold n × n values or holds a non-finite one (named
    ///   `matrix[i][j]`).
    public init(_ matrix: [Double], dimension n: Int) throws(InputError) {
        guard n >= 0, matrix.count == n * n else {
            throw InputError.invalid(path: "matrix", reason: "must hold \(n) × \(n) values, has \(matrix.count)")
        }
        for i in 0..<n {
            for j in 0..<n where !matrix[i * n + j].isFinite {
                throw InputError.invalid(path: "matrix[\(i)][\(j)]", reason: "must be finite, got \(matrix[i * n + j])")
            }
        }
        var a = matrix
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let s = 0.5 * (matrix[i * n + j] + matrix[j * n + i])
                a[i * n + j] = s
                a[j * n + i] = s
            }
        }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var total = 0.0
        for x in a { total += x * x }
        var sweeps = 0
        while sweeps < 100 {
            var off = 0.0
            for i in 0..<n {
                for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] }
            }
            if off <= 1e-30 * total || off == 0 { break }
            sweeps += 1
            for p in 0..<max(n - 1, 0) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let root = (theta * theta + 1).squareRoot()
                    var t = 1 / (abs(theta) + (root.isFinite ? root : abs(theta)))
                    if theta < 0 { t = -t }
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    let tau = s / (1 + c)
                    a[p * n + p] -= t * apq
                    a[q * n + q] += t * apq
                    a[p * n + q] = 0
                    a[q * n + p] = 0
                    for r in 0..<n where r != p && r != q {
                        let arp = a[r * n + p]
                        let arq = a[r * n + q]
                        let newP = arp - s * (arq + tau * arp)
                        let newQ = arq + s * (arp - tau * arq)
                        a[r * n + p] = newP
                        a[p * n + r] = newP
                        a[r * n + q] = newQ
                        a[q * n + r] = newQ
                    }
                    for r in 0..<n {
                        let vrp = v[r * n + p]
                        let vrq = v[r * n + q]
                        v[r * n + p] = vrp - s * (vrq + tau * vrp)
                        v[r * n + q] = vrq + s * (vrp - tau * vrq)
                    }
                }
            }
        }
        // Ascending, ties in column order.
        let order = (0..<n).sorted { a[$0 * n + $0] != a[$1 * n + $1] ? a[$0 * n + $0] < a[$1 * n + $1] : $0 < $1 }
        var sortedVectors = [Double](repeating: 0, count: n * n)
        for (j, k) in order.enumerated() {
            for i in 0..<n { sortedVectors[i * n + j] = v[i * n + k] }
        }
        dimension = n
        values = order.map { a[$0 * n + $0] }
        vectors = sortedVectors
        self.sweeps = sweeps
    }

    /// `V·diag(f(λ))·Vᵀ`, row-major, exactly symmetric: e.g. `{ max($0, δ) }` projects onto eigenvalues ≥ δ.
    public func reconstructed(mapping f: (Double) -> Double) -> [Double] {
        let n = dimension
        let mapped = values.map(f)
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var s = 0.0
                for k in 0..<n { s += vectors[i * n + k] * mapped[k] * vectors[j * n + k] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }
}
