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

    /// Grids by a hash of their names (entries then compared whole).
    private let entries = Mutex<(count: Int, buckets: [Int: [Entry]])>((0, [:]))

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
    func grid(count n: Int, name: (Int) -> String, table: CorrelationTable, stress: Double, priceMoves: [Double],
              priceRange: Double) throws(InputError) -> CorrelatedGrid {
        var hasher = Hasher()
        hasher.combine(n)
        for i in 0..<n { hasher.combine(name(i)) }
        let hash = hasher.finalize()
        let hit: CorrelatedGrid? = entries.withLock { state in
            guard let bucket = state.buckets[hash] else { return nil }
            for e in bucket where e.key.names.count == n && e.key.stress == stress && e.key.priceRange == priceRange {
                var same = true
                for i in 0..<n where e.key.names[i] != name(i) { same = false }
                if same, e.key.priceMoves == priceMoves, e.key.table == table { return e.grid }
            }
            return nil
        }
        if let hit { return hit }
        let names = (0..<n).map(name)
        let model = try CorrelationModel(names: names, table: table)
        let grid = model.correlatedGrid(xs: priceMoves.map { $0 / priceRange }, stress: stress)
        let entry = Entry(key: Key(names: names, table: table, stress: stress, priceMoves: priceMoves,
                                   priceRange: priceRange), grid: grid)
        let capacity = capacity
        entries.withLock { state in
            // Another thread may have built the same grid meanwhile: keep one.
            if state.buckets[hash]?.contains(where: { $0.key == entry.key }) == true { return }
            if state.count >= capacity { state = (0, [:]) }
            state.buckets[hash, default: []].append(entry)
            state.count += 1
        }
        return grid
    }
}
