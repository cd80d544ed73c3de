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

    /// Re-margins every account exposed to underlying `u` after a market update, nearest-to-liquidation first.
    ///
    /// 1. The accounts of ``priority`` (the `priorityCount` smallest cushions of the previous pass), in that order,
    ///    pulling only the instrument arrays they hold; `onPriorityDone` runs after the first `reportAfter` of them.
    /// 2. Every instrument array of `u` (each once), then every other exposed account.
    /// The pass also ranks the new priority list (bounded heap, O(n log k)).
    func remarginUnderlying(_ u: Int, reportAfter: Int = 100, onPriorityDone: (() -> Void)? = nil) {
        passEpoch &+= 1
        let epoch = passEpoch
        var heap = CushionHeap(capacity: priorityCount)
        var done = 0
        for a in priority[u] {
            let m = remargin(a, underlying: u)
            noteHealth(a, m)
            passMark[Int(a)] = epoch
            heap.insert(m.cushion, a)
            done += 1
            if done == reportAfter { onPriorityDone?() }
        }
        if done < reportAfter { onPriorityDone?() }
        refreshArrays(u)
        for a in holders[u] where passMark[Int(a)] != epoch {
            let m = remargin(a, underlying: u)
            noteHealth(a, m)
            heap.insert(m.cushion, a)
        }
        priority[u] = heap.ascending()
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
