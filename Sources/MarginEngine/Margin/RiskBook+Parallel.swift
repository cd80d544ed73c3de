import MarginLedger
import MarginCore

/// The two parts of a pass that run on up to ``RiskBook/threads`` threads: pricing stale instrument arrays and the
/// full sweep. Both split work into disjoint parts (rows, accounts) whose results are pure functions of the state,
/// so margins are bit-identical whatever the thread count or scheduling; anything order-dependent (installing
/// figures, health changes) is done afterwards on the writer, in a fixed order.
extension RiskBook {
    /// Brings the arrays of `slots` (instrument slots, any underlyings) up to date, pricing the stale ones straight
    /// into ``pnl`` on up to ``threads`` threads (the writer and the ``PassHelper``, if awake), then
    /// recording their figures in order. The same results as ``ensureFresh(_:)`` one by one.
    ///
    /// - Returns: the number of arrays priced.
    @discardableResult
    func ensureFresh(slots: [Int32]) -> Int {
        var stale: [Int] = []
        for s in slots {
            let slot = Int(s)
            let u = Int(instrumentUnderlying[slot])
            if arrayVersion[slot] != marketVersion[u] {
                arrayVersion[slot] = marketVersion[u]
                stale.append(slot)
            }
        }
        guard !stale.isEmpty else { return 0 }
        lastHelperParts = 0
        if threads < 2 || stale.count < 16 {
            for slot in stale { computeArray(slot, underlying: Int(instrumentUnderlying[slot])) }
            return stale.count
        }
        let jobs = stale.map { (slot: $0, instrument: instruments[$0], market: markets[Int(instrumentUnderlying[$0])]) }
        var results = [InstrumentRiskArray.Figures?](repeating: nil, count: jobs.count)
        let calculator = self.calculator
        let rs = rowStride
        let n = stride
        // One array per part: the threads take them in turn from the ticket counter, each writing only its row and
        // result slot.
        pnl.withUnsafeMutableBufferPointer { rows in
            results.withUnsafeMutableBufferPointer { figures in
                let out = DisjointWrites(rows: rows.baseAddress!, figures: figures.baseAddress!)
                lastHelperParts = helper.run(parts: jobs.count) { i, _ in
                    let job = jobs[i]
                    let row = UnsafeMutableBufferPointer(start: out.rows + job.slot * rs, count: n)
                    out.figures[i] = Self.price(job.instrument, market: job.market, calculator: calculator, into: row)
                }
            }
        }
        for (k, slot) in stale.enumerated() {
            install(slot, underlying: Int(instrumentUnderlying[slot]), results[k])
        }
        return stale.count
    }

    /// The full sweep of a pass (either mode): re-aggregates the underlyings `updated` of every account in
    /// `accounts` and recombines it (``AggregationKernel/sweep(_:updated:cushions:journaled:)``), in contiguous
    /// parts of about 1,000 accounts shared by ``threads`` threads. Fills `cushions[i]` for `accounts[i]` and
    /// returns the accounts whose health changed, in the order of `accounts` (the same list as one thread gives).
    func sweep(_ accounts: [Int32], updated: [Int], cushions: inout [Double]) -> [Int32] {
        let parts = threads > 1 && accounts.count >= 2_048 ? min(256, accounts.count / 1_024) : 1
        var changed = [[Int32]](repeating: [], count: parts)
        journaledHealth.withUnsafeBufferPointer { journaled in
            cushions.withUnsafeMutableBufferPointer { cushions in
                accounts.withUnsafeBufferPointer { accounts in
                    updated.withUnsafeBufferPointer { updated in
                        changed.withUnsafeMutableBufferPointer { changed in
                            withKernel { kernel in
                                let work = SweepPart(kernel: kernel, accounts: accounts, updated: updated,
                                                     cushions: cushions.baseAddress!, journaled: journaled.baseAddress!,
                                                     changed: changed.baseAddress!, parts: parts)
                                if parts == 1 {
                                    work.run(0, worker: 0)
                                } else {
                                    helper.run(parts: parts) { work.run($0, worker: $1) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return changed.flatMap { $0 }
    }
}

/// A part of a sweep: the contiguous part `t` of `parts` of the accounts, on the scratch row of its worker.
private struct SweepPart: @unchecked Sendable {
    let kernel: AggregationKernel
    let accounts: UnsafeBufferPointer<Int32>
    let updated: UnsafeBufferPointer<Int>
    let cushions: UnsafeMutablePointer<Double>
    let journaled: UnsafePointer<Health>
    let changed: UnsafeMutablePointer<[Int32]>
    let parts: Int

    func run(_ t: Int, worker: Int) {
        let lower = accounts.count * t / parts
        let upper = accounts.count * (t + 1) / parts
        let k = kernel.using(scratchRow: worker)
        let part = UnsafeBufferPointer(rebasing: accounts[lower..<upper])
        changed[t] = kernel.correlated
            ? k.sweepCorrelated(part, updated: updated, cushions: cushions + lower, journaled: journaled)
            : k.sweep(part, updated: updated, cushions: cushions + lower, journaled: journaled)
    }
}

/// Output buffers written by concurrent pricing parts at disjoint rows and indices.
private struct DisjointWrites: @unchecked Sendable {
    let rows: UnsafeMutablePointer<Double>
    let figures: UnsafeMutablePointer<InstrumentRiskArray.Figures?>
}
