/// Correlated mode's account-independent half for one correlation model: the admissible joint moves of the stressed
/// matrices `C(ρ + s)` (``up``) and `C(ρ − s)` (``down``) on the normalised price grid `xs = m / priceRange`.
///
/// Built once per matrix (``CorrelationModel/correlatedGrid(xs:stress:)``, O(gⁿ), ~2·9,261 quadratic forms for
/// three underlyings on the reference grid) and kept in a ``CorrelatedGridCache``; each account then costs one
/// interval maximum per run of admissible moves (≈ 300 per side for three underlyings with ρ near 0), O(1) each
/// with a sparse table over the last underlying's price-loss curve. The result equals the exhaustive enumeration
/// (``CorrelationModel/exhaustiveJointLoss(lossCurves:xs:stress:)``) bit for bit, worst move and ties included:
/// moves are compared in the enumeration's lexicographic order with the same sums, the first maximum wins, and the
/// `down` side replaces the `up` side only when strictly larger. Curves with a non-finite value, and more than three
/// underlyings, are evaluated by the exhaustive enumeration itself.
///
/// Loss curves are USD, positive = loss (`ℓ_u` of MARGIN_MODEL.md); the joint loss is USD, ≥ 0.
public struct CorrelatedGrid: Hashable, Sendable {
    /// The immutable contents, behind one reference so that handing a cached grid out costs one retain.
    private final class Storage: Sendable {
        let names: [String]
        let xs: [Double]
        let up: AdmissibleMoves?
        let down: AdmissibleMoves?
        let zeroIndex: Int

        init(names: [String], xs: [Double], up: AdmissibleMoves?, down: AdmissibleMoves?) {
            self.names = names
            self.xs = xs
            self.up = up
            self.down = down
            zeroIndex = xs.firstIndex(of: 0) ?? 0
        }
    }

    private let storage: Storage

    /// Underlyings in the enumeration order (the model's).
    public var names: [String] { storage.names }
    /// The normalised grid, `m / priceRange` per price move.
    public var xs: [Double] { storage.xs }
    /// Admissible moves of `C(ρ + stress)` (stress bisected if needed); `nil` if that matrix has no inverse.
    public var up: AdmissibleMoves? { storage.up }
    /// Admissible moves of `C(ρ − stress)`; `nil` if that matrix has no inverse.
    public var down: AdmissibleMoves? { storage.down }
    /// Index of the grid's zero move (the reported move when no joint loss is positive).
    var zeroIndex: Int { storage.zeroIndex }

    init(names: [String], xs: [Double], up: AdmissibleMoves?, down: AdmissibleMoves?) {
        storage = Storage(names: names, xs: xs, up: up, down: down)
    }

    /// Equal contents (the same storage, or the same names, grid and admissible moves).
    public static func == (a: CorrelatedGrid, b: CorrelatedGrid) -> Bool {
        a.storage === b.storage
            || (a.names == b.names && a.xs == b.xs && a.up == b.up && a.down == b.down)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(xs)
        hasher.combine(up)
        hasher.combine(down)
    }

    /// Doubles of scratch ``jointLoss(buffer:)`` needs: the curves, then the sparse-table levels above the first.
    package var bufferCount: Int {
        let g = xs.count
        return names.count * g + max(AdmissibleMoves.levels(gridCount: g) - 1, 0) * g
    }

    /// Whether the fast path applies (one to three underlyings, a non-empty grid).
    var hasRuns: Bool { !names.isEmpty && names.count <= 3 && !xs.isEmpty }

    /// The joint loss of `lossCurves` (`ℓ_u` per underlying in ``names`` order, each over ``xs``) and the grid
    /// indices of the worst joint move. Allocates its scratch; ``MarginCalculator`` uses the buffer form.
    public func jointLoss(lossCurves: [[Double]]) -> (loss: Double, move: [Int]) {
        let n = names.count
        let g = xs.count
        guard hasRuns, lossCurves.count == n, lossCurves.allSatisfy({ $0.count == g }) else {
            return exhaustive(lossCurves)
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: bufferCount) { scratch in
            guard let buffer = scratch.baseAddress else { return exhaustive(lossCurves) }
            for u in 0..<n {
                for i in 0..<g { buffer[u * g + i] = lossCurves[u][i] }
            }
            let r = jointLoss(buffer: buffer)
            return (r.loss, Array([r.move.0, r.move.1, r.move.2].prefix(n)))
        }
    }

    /// The hot path: the joint loss of the curves in `buffer` (``bufferCount`` doubles: `names.count` curves of
    /// `xs.count` values each, underlying-major, then scratch), for one to three underlyings.
    ///
    /// - Returns: the joint loss and the worst move's grid index per underlying (unused slots 0).
    package func jointLoss(buffer: UnsafeMutablePointer<Double>) -> (loss: Double, move: (Int, Int, Int)) {
        let n = names.count
        let g = xs.count
        var finite = true
        for i in 0..<(n * g) where !buffer[i].isFinite { finite = false }
        guard finite, hasRuns else {
            let curves = (0..<n).map { u in Array(UnsafeBufferPointer(start: buffer + u * g, count: g)) }
            let r = exhaustive(curves)
            return (r.loss, (r.move.count > 0 ? r.move[0] : 0, r.move.count > 1 ? r.move[1] : 0,
                             r.move.count > 2 ? r.move[2] : 0))
        }
        // Sparse table of the last curve: level k holds max ℓ_last[i ..< i + 2^k]. `a > b ? a : b` is `Swift.max`
        // bit for bit on the finite values checked above (ties, ±0 included, give `b` in both), and vectorizes.
        for k in 1..<max(AdmissibleMoves.levels(gridCount: g), 1) {
            let src = buffer + AdmissibleMoves.levelOffset(k - 1, dimension: n, gridCount: g)
            let dst = buffer + AdmissibleMoves.levelOffset(k, dimension: n, gridCount: g)
            let half = 1 << (k - 1)
            for i in 0..<(g - (1 << k) + 1) {
                let (a, b) = (src[i], src[i &+ half])
                dst[i] = a > b ? a : b
            }
        }
        let z = zeroIndex
        var best = (loss: 0.0, move: (n > 0 ? z : 0, n > 1 ? z : 0, n > 2 ? z : 0))
        if let up {
            let r = up.worst(in: buffer)
            let loss = max(0, r.sum)
            if loss > best.loss { best = (loss, up.move(run: r.run, last: r.last)) }
        }
        if let down {
            let r = down.worst(in: buffer)
            let loss = max(0, r.sum)
            if loss > best.loss { best = (loss, down.move(run: r.run, last: r.last)) }
        }
        return best
    }

    /// The exhaustive enumeration over both sides (the reference's loop, with the inverses already computed).
    private func exhaustive(_ lossCurves: [[Double]]) -> (loss: Double, move: [Int]) {
        let n = names.count
        var best = (loss: 0.0, move: [Int](repeating: zeroIndex, count: n))
        for side in [up, down] {
            guard let side else { continue }
            let r = CorrelationModel.enumerate(lossCurves: lossCurves, xs: xs, inverse: side.inverse, n: n)
            if r.loss > best.loss { best = r }
        }
        return best
    }
}
