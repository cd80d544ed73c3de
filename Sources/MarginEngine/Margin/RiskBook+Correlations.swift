import MarginLedger
import MarginCore

extension RiskBook {
    /// Recombines every account from its cached per-underlying components and notes health changes (after the
    /// correlation table changed: the instrument arrays and components do not depend on it, only the combination
    /// does). Gives the margins ``rebuild(from:)`` would, without repricing anything.
    func recombineAll() {
        if isCorrelated {
            var memo = GridMemo()
            let ms = withKernel { k in
                (0..<accountCount).map { a in
                    let m = k.combineCorrelated(a, memo: &memo)
                    k.margins[a] = m
                    return m
                }
            }
            for (a, m) in ms.enumerated() { noteHealth(Int32(a), m) }
        } else {
            for a in 0..<accountCount {
                let m = combine(a)
                margins[a] = m
                noteHealth(Int32(a), m)
            }
        }
        for u in 0..<underlyingCount { rankPriority(u) }
    }
}
