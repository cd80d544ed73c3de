import Synchronization

/// The ``CorrelatedGrid``s correlated mode has built, keyed by correlation model (the underlyings in enumeration
/// order and the correlation table they are read from), stress and price grid: each grid is computed once and every
/// account over the same underlyings reuses it.
///
/// An explicitly owned reference, not a global: a ``MarginCalculator`` creates one (or is handed one to share) and its
/// copies share it. Thread-safe: a mutex guards the entries and is held only to look one up or insert one; grids are
/// built outside it. Only speed depends on the cache: a grid is a pure function of its key, so a hit and a miss give
/// bit-identical requirements. Bounded: when `capacity` grids are held and another is needed, the cache is emptied
/// first. Table comparison is O(1) when the table shares storage with the cached one (the same snapshot's table).
public final class CorrelatedGridCache: Sendable {
    struct Key: Hashable, Sendable {
        var names: [String]
        var table: CorrelationTable
        var stress: Double
        var priceMoves: [Double]
        var priceRange: Double
    }

    struct Entry: Sendable {
        var key: Key
        var grid: CorrelatedGrid
    }

    /// Grids by a hash of their names (entries then compared whole), and the last grid returned (checked first,
    /// without hashing: consecutive accounts usually hold the same underlyings).
    private struct State {
        var count = 0
        var buckets: [Int: [Entry]] = [:]
        var last: Entry?
    }

    private let entries = Mutex(State())

    /// Most grids held before the cache is emptied.
    public let capacity: Int

    /// An empty cache holding up to `capacity` grids (at least 1).
    public init(capacity: Int = 256) { self.capacity = max(capacity, 1) }

    /// Number of grids held.
    public var count: Int { entries.withLock { $0.count } }

    /// The grid of `names` (enumeration order) under `table`, stressed by ±`stress`, over `priceMoves / priceRange`.
    ///
    /// - Throws: ``InputError`` naming a pair when the unstressed matrix is not positive definite (nothing is cached).
    public func grid(names: [String], table: CorrelationTable, stress: Double, priceMoves: [Double],
                     priceRange: Double) throws(InputError) -> CorrelatedGrid {
        try grid(count: names.count, name: { names[$0] }, table: table, stress: stress, priceMoves: priceMoves,
                 priceRange: priceRange)
    }

    /// ``grid(names:table:stress:priceMoves:priceRange:)`` with the names read through `name` (no array per look-up).
    package func grid(count n: Int, name: (Int) -> String, table: CorrelationTable, stress: Double,
                      priceMoves: [Double], priceRange: Double) throws(InputError) -> CorrelatedGrid {
        func matches(_ key: Key) -> Bool {
            guard key.names.count == n, key.stress == stress, key.priceRange == priceRange else { return false }
            for i in 0..<n where key.names[i] != name(i) { return false }
            return key.priceMoves == priceMoves && key.table == table
        }
        func hash() -> Int {
            var hasher = Hasher()
            hasher.combine(n)
            for i in 0..<n { hasher.combine(name(i)) }
            return hasher.finalize()
        }
        let hit: CorrelatedGrid? = entries.withLock { state in
            if let last = state.last, matches(last.key) { return last.grid }
            guard let bucket = state.buckets[hash()], let e = bucket.first(where: { matches($0.key) }) else {
                return nil
            }
            state.last = e
            return e.grid
        }
        if let hit { return hit }
        let names = (0..<n).map(name)
        let model = try CorrelationModel(names: names, table: table)
        let grid = model.correlatedGrid(xs: priceMoves.map { $0 / priceRange }, stress: stress)
        let entry = Entry(key: Key(names: names, table: table, stress: stress, priceMoves: priceMoves,
                                   priceRange: priceRange), grid: grid)
        let capacity = capacity
        let h = hash()
        entries.withLock { state in
            state.last = entry
            // Another thread may have built the same grid meanwhile: keep one.
            if state.buckets[h]?.contains(where: { $0.key == entry.key }) == true { return }
            if state.count >= capacity { state = State() }
            state.buckets[h, default: []].append(entry)
            state.count += 1
        }
        return grid
    }
}
