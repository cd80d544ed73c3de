extension CorrelationModel {
    /// The reference: correlated mode's joint loss by exhaustive enumeration of the gⁿ grid for each stressed
    /// matrix (the implementation before ``CorrelatedGrid``), kept so tests can prove the fast path equal to it.
    ///
    /// Order and ties: joint moves are visited in lexicographic order of their grid indices (the last underlying
    /// fastest); a move replaces the best only when its sum is strictly larger, so the first maximum wins. The
    /// `+stress` side is evaluated first and the `−stress` side replaces it only when strictly larger; if neither
    /// is positive the move is the grid's zero move for every underlying.
    ///
    /// - Parameter lossCurves: `ℓ_u` per underlying, same order as `names`, each over the grid `xs`.
    /// - Returns: the joint loss (≥ 0) and the grid indices of the worst joint move.
    package func exhaustiveJointLoss(lossCurves: [[Double]], xs: [Double], stress: Double)
        -> (loss: Double, move: [Int])
    {
        var best = (loss: 0.0, move: [Int](repeating: xs.firstIndex(of: 0) ?? 0, count: names.count))
        for sign in [1.0, -1.0] {
            let c = admissibleMatrix(stress: sign * stress)
            guard let inverse = CorrelationModel.inverse(c, names.count) else { continue }
            let r = CorrelationModel.enumerate(lossCurves: lossCurves, xs: xs, inverse: inverse, n: names.count)
            if r.loss > best.loss { best = r }
        }
        return best
    }

    /// One stressed matrix, exhaustively: `max(0, max Σ_u ℓ_u(x_u))` over the grid moves with
    /// `xᵀ C⁻¹ x ≤ 1 + 1e−9` (`inverse` = C⁻¹, row-major n × n), and the first move attaining it.
    static func enumerate(lossCurves: [[Double]], xs: [Double], inverse: [Double], n: Int)
        -> (loss: Double, move: [Int])
    {
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
}
