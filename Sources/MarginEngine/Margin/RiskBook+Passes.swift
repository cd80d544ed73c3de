import MarginLedger
import MarginCore

extension RiskBook {
    @inline(__always)
    func isExposed(_ a: Int, _ u: Int) -> Bool { holds[a * underlyingCount + u] }

    /// Notes a margin result: queues the account for a ``HealthChange`` when its health differs from the journaled one.
    @inline(__always)
    func noteHealth(_ a: Int32, _ m: AccountMargin) {
        let ai = Int(a)
        if m.health != journaledHealth[ai], !pendingFlag[ai] {
            pendingFlag[ai] = true
            pendingHealth.append(a)
        }
    }

    /// Takes the queued health changes (accounts whose computed health differs from the journaled one).
    func takeHealthChanges() -> [HealthChange] {
        var out: [HealthChange] = []
        for a in pendingHealth {
            let ai = Int(a)
            pendingFlag[ai] = false
            let m = margins[ai]
            guard m.health != journaledHealth[ai] else { continue }
            out.append(HealthChange(account: accountNames[ai], from: journaledHealth[ai], to: m.health,
                                    equity: m.equity, maintenanceMargin: m.maintenanceMargin,
                                    initialMargin: m.initialMargin))
        }
        pendingHealth.removeAll(keepingCapacity: true)
        return out
    }

    /// Re-margins every account exposed to underlying `u` after a market update (see ``remarginUnderlyings``).
    func remarginUnderlying(_ u: Int, reportAfter: Int = 100, onPriorityDone: (() -> Void)? = nil) {
        remarginUnderlyings([u], reportAfter: reportAfter, onPriorityDone: onPriorityDone)
    }

    /// Re-margins, in one pass, every account exposed to any of the underlyings `us` (whose markets just changed):
    /// each account is visited once, re-aggregates only the underlyings of `us` it holds (the others' cached
    /// components are reused) and is recombined once.
    ///
    /// 1. The priority slice: the union of ``priority`` of `us` (the `priorityCount` smallest cushions of the
    ///    previous pass per underlying), nearest to liquidation first by current cushion, pulling only the
    ///    instrument arrays they hold; `onPriorityDone` runs after the first `reportAfter` of them.
    /// 2. Every instrument array of `us` that an account holds (each once; the others are priced when first read),
    ///    then every other exposed account, in one kernel sweep.
    /// Pricing and the sweep use up to ``threads`` threads (``RiskBook+Parallel``); the results do not depend on
    /// it. The pass also ranks the new priority lists (bounded heaps, O(n log k)) and records ``lastPass``.
    func remarginUnderlyings(_ us: [Int], reportAfter: Int = 100, onPriorityDone: (() -> Void)? = nil) {
        let passStart = ContinuousClock.now
        var profile = PassProfile()
        profile.underlyings = us.count
        profile.threads = threads
        if let arrival = eventArrival {
            profile.prologue = (passStart - arrival).seconds
            eventArrival = nil
        }
        passEpoch &+= 1
        let epoch = passEpoch
        let uc = underlyingCount
        var heaps = us.map { _ in CushionHeap(capacity: priorityCount) }
        // The priority slice, nearest first.
        var slice: [Int32] = []
        for u in us {
            for a in priority[u] where passMark[Int(a)] != epoch {
                passMark[Int(a)] = epoch
                slice.append(a)
            }
        }
        if us.count > 1 || slice.count > 1 {
            let keyed = slice.map { (margins[Int($0)].cushion, $0) }
            slice = keyed.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
        }
        let correlated = calculator.parameters.correlationMode == .correlated
        func visit(_ k: AggregationKernel, _ a: Int32) -> AccountMargin {
            let ai = Int(a)
            for u in us where k.holds[ai &* uc &+ u] { k.resummarize(ai, u) }
            let m = k.combineSum(ai)
            k.margins[ai] = m
            return m
        }
        func visitCorrelated(_ k: AggregationKernel, _ a: Int32, _ memo: inout GridMemo) -> AccountMargin {
            let ai = Int(a)
            for u in us where k.holds[ai &* uc &+ u] { k.resummarizeCorrelated(ai, u) }
            let m = k.combineCorrelated(ai, memo: &memo)
            k.margins[ai] = m
            return m
        }
        func account(_ a: Int32, _ m: AccountMargin) {
            noteHealth(a, m)
            let ai = Int(a)
            for (h, u) in us.enumerated() where holds[ai * uc + u] { heaps[h].insert(m.cushion, a) }
        }
        var done = 0
        var batch = 0
        while done < slice.count {
            // First the `reportAfter` nearest, then the rest of the slice.
            let end = done < reportAfter ? min(reportAfter, slice.count) : slice.count
            let part = slice[done..<end]
            var held: [Int32] = []
            for a in part {
                for u in us {
                    let start = Int(rangeStart[Int(a) * uc + u])
                    for k in start..<(start + Int(rangeCount[Int(a) * uc + u])) { held.append(slab[k].instrument) }
                }
            }
            let pricingStart = ContinuousClock.now
            if batch == 0 { profile.prioritySelection = (pricingStart - passStart).seconds }
            let priced = ensureFresh(slots: held)
            let pricing = pricingStart.secondsToNow
            profile.arrays += priced
            profile.pricing += pricing
            if batch == 0 {
                profile.priorityArrays = priced
                profile.priorityPricing = pricing
                profile.priorityArraysByHelper = lastHelperParts
            }
            if correlated {
                var memo = gridMemo
                let results = withKernel { k in part.map { visitCorrelated(k, $0, &memo) } }
                gridMemo = memo
                for (a, m) in zip(part, results) { account(a, m) }
            } else {
                let results = withKernel { k in part.map { visit(k, $0) } }
                for (a, m) in zip(part, results) { account(a, m) }
            }
            done = end
            batch += 1
            if batch == 1 {
                profile.priorityLatency = passStart.secondsToNow
                onPriorityDone?()
            }
        }
        if batch == 0 {
            profile.priorityLatency = passStart.secondsToNow
            onPriorityDone?()
        }
        // Every remaining stale array of the updated underlyings that an account holds, each once.
        let pricingStart = ContinuousClock.now
        for u in us { profile.arrays += refreshHeldArrays(u) }
        profile.pricing += pricingStart.secondsToNow
        // Everyone else: holders of each underlying not yet visited, in one kernel sweep.
        var rest: [Int32] = []
        for u in us {
            for a in holders[u] where passMark[Int(a)] != epoch {
                passMark[Int(a)] = epoch
                rest.append(a)
            }
        }
        profile.accounts = slice.count + rest.count
        let sweepStart = ContinuousClock.now
        // One kernel sweep in either mode (`correlated` re-derives the curves and combines through the grids).
        var cushions = [Double](repeating: 0, count: rest.count)
        let changed = sweep(rest, updated: us, cushions: &cushions)
        for a in changed { noteHealth(a, margins[Int(a)]) }
        holds.withUnsafeBufferPointer { holds in
            for (h, u) in us.enumerated() {
                for (i, a) in rest.enumerated() where holds[Int(a) * uc + u] { heaps[h].insert(cushions[i], a) }
            }
        }
        profile.sweep = sweepStart.secondsToNow
        for (h, u) in us.enumerated() { priority[u] = heaps[h].ascending() }
        profile.total = passStart.secondsToNow
        lastPass = profile
        helper.relax()
        warmPriority()
    }

    /// Reads, after a pass, what the next pass touches first: the priority accounts' margins, marks, ranges and
    /// positions, and the rows of the instruments they hold, so that they are in this core's cache when the next
    /// tick arrives (cold, they cost a few hundred DRAM misses: ~0.1 ms of the nearest-liquidation latency). Off the
    /// latency path; changes nothing.
    func warmPriority() {
        var touched = 0.0
        let uc = underlyingCount
        for u in 0..<uc {
            for a in priority[u] {
                let ai = Int(a)
                touched += margins[ai].equity + Double(passMark[ai])
                for v in 0..<uc {
                    let start = Int(rangeStart[ai * uc + v])
                    for k in start..<(start + Int(rangeCount[ai * uc + v])) {
                        let slot = Int(slab[k].instrument)
                        touched += Double(arrayVersion[slot])
                        // One read per cache line of the row the next pricing overwrites.
                        for i in Swift.stride(from: slot * rowStride, to: (slot + 1) * rowStride, by: 8) { touched += pnl[i] }
                    }
                }
            }
        }
        warmth = touched
    }

    /// Ranks underlying `u`'s priority list from the current margins.
    func rankPriority(_ u: Int) {
        var heap = CushionHeap(capacity: priorityCount)
        for a in holders[u] { heap.insert(margins[Int(a)].cushion, a) }
        priority[u] = heap.ascending()
    }
}

/// The `capacity` accounts with the smallest cushion seen: a bounded max-heap (largest kept cushion on top).
struct CushionHeap {
    private var keys: [Double] = []
    private var values: [Int32] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    mutating func insert(_ key: Double, _ value: Int32) {
        guard capacity > 0, !key.isNaN else { return }
        if keys.count < capacity {
            keys.append(key)
            values.append(value)
            var i = keys.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard keys[parent] < keys[i] else { break }
                keys.swapAt(parent, i)
                values.swapAt(parent, i)
                i = parent
            }
        } else if key < keys[0] {
            keys[0] = key
            values[0] = value
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var largest = i
                if l < keys.count, keys[l] > keys[largest] { largest = l }
                if r < keys.count, keys[r] > keys[largest] { largest = r }
                if largest == i { break }
                keys.swapAt(largest, i)
                values.swapAt(largest, i)
                i = largest
            }
        }
    }

    /// The kept values, smallest key first (ties by value, for determinism).
    func ascending() -> [Int32] {
        zip(keys, values).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
    }
}
