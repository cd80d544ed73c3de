import MarginCore
import Testing

@Suite struct NearestCorrelationMatrixTests {
    /// Jacobi on [[2, 1], [1, 2]]: eigenvalues 1 and 3 (hand-checked: (2 − λ)² = 1), eigenvectors (1, −1)/√2 and
    /// (1, 1)/√2 up to sign; and on a random symmetric 6 × 6, V·Λ·Vᵀ = A and VᵀV = I to 1e−12.
    @Test func jacobiEigenDecomposition() throws {
        let small = try SymmetricEigenDecomposition([2, 1, 1, 2], dimension: 2)
        #expect(abs(small.values[0] - 1) < 1e-14 && abs(small.values[1] - 3) < 1e-14)
        #expect(abs(abs(small.vectors[0]) - 0.5.squareRoot()) < 1e-14)
        #expect(abs(small.vectors[0] + small.vectors[2]) < 1e-14)  // (1, −1)/√2
        var rng = SplitMix(state: 3)
        let n = 6
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let v = rng.uniform(-2, 2)
                a[i * n + j] = v
                a[j * n + i] = v
            }
        }
        let e = try SymmetricEigenDecomposition(a, dimension: n)
        #expect(e.sweeps < 20)
        let back = e.reconstructed { $0 }
        for k in 0..<(n * n) { #expect(abs(back[k] - a[k]) < 1e-12) }
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0
                for r in 0..<n { dot += e.vectors[r * n + i] * e.vectors[r * n + j] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
            }
        }
        for k in 1..<n { #expect(e.values[k - 1] <= e.values[k]) }
        #expect(throws: InputError.self) { try SymmetricEigenDecomposition([1, .nan, .nan, 1], dimension: 2) }
        #expect(throws: InputError.self) { try SymmetricEigenDecomposition([1, 2, 3], dimension: 2) }
    }

    /// The NAG Library's example for G02AA (nearest correlation matrix; its Fortran and AD example results print
    /// the answer to 12 digits): for A = tridiag(−1, 2, −1) of order 4 the nearest correlation matrix has
    /// ρ₁₂ = ρ₃₄ = −0.808412498149, ρ₁₃ = ρ₂₄ = 0.191587501850, ρ₁₄ = 0.106775049026, ρ₂₃ = −0.656232694806.
    /// That matrix is singular; with the floor δ = 1e−10 the result differs by O(δ), so 1e−7 is asked.
    /// And Higham (2002), §4: for [[1, 1, 0], [1, 1, 1], [0, 1, 1]] the answer is ρ₁₂ = ρ₂₃ = 0.7607, ρ₁₃ = 0.1573
    /// (to the 4 digits printed; 0.76068985, 0.15729811 by an independent numpy run of the same iteration).
    @Test func publishedExamples() throws {
        let nag = try NearestCorrelationMatrix(eigenvalueFloor: 1e-10)
            .nearest(to: [2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2], dimension: 4)
        #expect(nag.converged)
        let expected: [(Int, Int, Double)] = [
            (0, 1, -0.808412498149), (2, 3, -0.808412498149), (0, 2, 0.191587501850), (1, 3, 0.191587501850),
            (0, 3, 0.106775049026), (1, 2, -0.656232694806),
        ]
        for (i, j, v) in expected {
            #expect(abs(nag.matrix[i * 4 + j] - v) < 1e-7, "(\(i), \(j)): \(nag.matrix[i * 4 + j])")
            #expect(nag.matrix[i * 4 + j] == nag.matrix[j * 4 + i])
        }
        #expect(nag.minimumEigenvalue > 0)
        let higham = try NearestCorrelationMatrix(eigenvalueFloor: 1e-10).nearest(to: [1, 1, 0, 1, 1, 1, 0, 1, 1],
                                                                                 dimension: 3)
        #expect(abs(higham.matrix[1] - 0.7607) < 5e-5 && abs(higham.matrix[5] - 0.7607) < 5e-5)
        #expect(abs(higham.matrix[2] - 0.1573) < 5e-5)
        #expect(abs(higham.matrix[1] - 0.76068985) < 1e-7 && abs(higham.matrix[2] - 0.15729811) < 1e-7)
    }

    /// 300 seeded random symmetric matrices (order 2–7, off-diagonals uniform in [−1, 1], diagonal anything): the
    /// result is symmetric with a unit diagonal, its smallest eigenvalue is ≥ δ/2 (δ = 1e−6, the default), and when
    /// every |ρ| ≤ 0.99 (so ``CorrelationModel``'s clamp changes nothing) the model accepts it.
    @Test func randomInputsBecomePositiveDefinite() throws {
        var rng = SplitMix(state: 11)
        let projection = NearestCorrelationMatrix()
        var checkedByModel = 0
        var repaired = 0
        for case_ in 0..<300 {
            let n = 2 + case_ % 6
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                a[i * n + i] = rng.uniform(0, 3)
                for j in (i + 1)..<n {
                    let v = rng.uniform(-1, 1)
                    a[i * n + j] = v
                    a[j * n + i] = v
                }
            }
            let r = try projection.nearest(to: a, dimension: n)
            if r.iterations > 0 { repaired += 1 }
            let names = (0..<n).map { "U\($0)" }
            var table = CorrelationTable()
            var largest = 0.0
            for i in 0..<n {
                #expect(r.matrix[i * n + i] == 1)
                for j in 0..<n where j != i {
                    #expect(r.matrix[i * n + j] == r.matrix[j * n + i])
                    largest = max(largest, abs(r.matrix[i * n + j]))
                    if j > i { table.set(names[i], names[j], rho: r.matrix[i * n + j]) }
                }
            }
            let e = try SymmetricEigenDecomposition(r.matrix, dimension: n)
            #expect(e.values[0] >= 0.5e-6, "case \(case_): λ_min \(e.values[0])")
            if largest <= 0.99 {
                checkedByModel += 1
                #expect((try? CorrelationModel(names: names, table: table)) != nil, "case \(case_)")
            }
        }
        #expect(repaired > 100)
        #expect(checkedByModel > 100)
    }

    /// A correlation matrix already above the floor comes back bit for bit, with no iteration.
    @Test func acceptableMatrixIsUnchanged() throws {
        let m: [Double] = [1, 0.3, -0.2, 0.3, 1, 0.5, -0.2, 0.5, 1]
        let r = try NearestCorrelationMatrix().nearest(to: m, dimension: 3)
        #expect(r.iterations == 0)
        #expect(r.matrix == m)
        #expect(throws: InputError.self) {
            try NearestCorrelationMatrix(eigenvalueFloor: 0).nearest(to: m, dimension: 3)
        }
        #expect(throws: InputError.self) {
            try NearestCorrelationMatrix().nearest(to: [1, .infinity, 0, 1], dimension: 2)
        }
    }
}

/// SplitMix64 → uniform doubles, for the correlation tests.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
}
