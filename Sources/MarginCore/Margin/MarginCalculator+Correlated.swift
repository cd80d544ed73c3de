extension MarginCalculator {
    /// `Joint` of MARGIN_MODEL.md's correlated mode for one account, and the worst joint move (grid index of the
    /// price move per enumerated underlying).
    ///
    /// The three largest scans (ties by name) are enumerated, in the order of `arrays`; the rest enter at their own
    /// scan, added in rank order. The enumeration reads the model's ``CorrelatedGrid`` from ``correlatedGrids`` (built
    /// on the first account over these underlyings and this table) and evaluates the account's price-loss curves on
    /// it from a stack buffer: no allocation but the returned dictionary (and the ranking, past three underlyings).
    ///
    /// - Throws: ``InputError`` naming a pair when the enumerated underlyings' matrix is not positive definite.
    func correlatedJoint(_ arrays: [RiskArray], components: [UnderlyingRequirement],
                         correlations: CorrelationTable) throws(InputError) -> (joint: Double, move: [String: Int]) {
        var selected = (0, 1, 2)
        var n = components.count
        var rest: ArraySlice<Int> = []
        if n > 3 {
            let ranked = components.indices.sorted {
                components[$0].scan != components[$1].scan
                    ? components[$0].scan > components[$1].scan : components[$0].underlying < components[$1].underlying
            }
            let top = Array(ranked.prefix(3)).sorted()
            selected = (top[0], top[1], top[2])
            n = 3
            rest = ranked.dropFirst(3)
        }
        func index(_ slot: Int) -> Int { slot == 0 ? selected.0 : slot == 1 ? selected.1 : selected.2 }

        let grid = try correlatedGrids.grid(count: n, name: { components[index($0)].underlying }, table: correlations,
                                            stress: parameters.correlationStress, priceMoves: scenarios.priceMoves,
                                            priceRange: parameters.priceRange)
        let g = grid.xs.count
        var sameLayout = true
        for slot in 0..<n where arrays[index(slot)].scenarios.priceMoves.count != g { sameLayout = false }
        let result: (loss: Double, move: (Int, Int, Int))
        if sameLayout {
            result = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(grid.bufferCount, 1)) { scratch in
                guard let buffer = scratch.baseAddress else { return (0, (0, 0, 0)) }
                for slot in 0..<n { MarginCalculator.priceLossCurve(of: arrays[index(slot)], into: buffer + slot * g) }
                return grid.jointLoss(buffer: buffer)
            }
        } else {
            let r = grid.jointLoss(lossCurves: (0..<n).map { arrays[index($0)].priceLossCurve })
            result = (r.loss, (r.move.count > 0 ? r.move[0] : 0, r.move.count > 1 ? r.move[1] : 0,
                               r.move.count > 2 ? r.move[2] : 0))
        }
        var joint = result.loss
        for k in rest { joint += components[k].scan }
        var moves = [String: Int](minimumCapacity: n)
        for slot in 0..<n {
            let move = slot == 0 ? result.move.0 : slot == 1 ? result.move.1 : result.move.2
            moves[components[index(slot)].underlying] = move
        }
        return (joint, moves)
    }

    /// ``RiskArray/priceLossCurve`` written to `out` (same loop, same values): per regular price move, the largest
    /// loss over its vol and time shifts.
    @inline(__always)
    static func priceLossCurve(of array: RiskArray, into out: UnsafeMutablePointer<Double>) {
        let block = array.scenarios.volCount * array.scenarios.timeCount
        let g = array.scenarios.priceMoves.count
        array.pnl.withUnsafeBufferPointer { pnl in
            for i in 0..<g {
                var worst = -Double.infinity
                for k in 0..<block { worst = max(worst, -pnl[i * block + k]) }
                out[i] = worst
            }
        }
    }
}
