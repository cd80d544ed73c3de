/// The rule that turns implied and realized correlation into the table in force for correlated mode.
///
/// For every pair of `names` (sorted by name):
/// 1. **Source**: the implied ρ at the tenor (``ImpliedCorrelation/init(snapshot:tenorYears:)``) when a cross
///    rate of the pair is quoted; else the realized ρ when the estimator is warmed up and estimates both names;
///    else the fallback table's ρ (the configured one; 0 for an unlisted pair).
/// 2. **Clamp** each ρ to [−`maximumMagnitude`, `maximumMagnitude`] (0.99, as ``CorrelationModel`` clamps).
/// 3. **Repair**: if the matrix's smallest eigenvalue is below `eigenvalueFloor`, replace it by the nearest
///    correlation matrix with eigenvalues ≥ the floor (``NearestCorrelationMatrix``; mixing sources can break
///    positive definiteness). A matrix already above the floor is kept bit for bit.
/// 4. **Bound**: if the repair pushed some |ρ| above `maximumMagnitude`, every ρ is scaled by
///    `maximumMagnitude / max|ρ|` (a convex combination with the identity: eigenvalues stay positive), so
///    ``CorrelationModel``'s clamp changes nothing.
///
/// The result passes ``CorrelationModel``'s positive-definiteness check (verified; an error otherwise). Pure and
/// deterministic.
public struct CorrelationTableRule: Hashable, Sendable {
    /// Where a pair's ρ came from.
    public enum Source: String, Hashable, Sendable {
        /// Implied by a cross rate's options at the tenor.
        case implied
        /// The realized (EWMA) estimate.
        case realized
        /// The fallback (configured) table; 0 for an unlisted pair.
        case fallback
    }

    /// The table in force and how it was formed.
    public struct Decision: Hashable, Sendable {
        /// Underlyings, sorted by name.
        public var names: [String]
        /// The table (every pair of `names` set).
        public var table: CorrelationTable
        /// Source of each pair, keyed `"A/B"` with `A < B`.
        public var sources: [String: Source]
        /// Whether step 3 or 4 changed the sourced values.
        public var repaired: Bool
    }

    /// Tenor at which implied correlation is read, years. Default 30 days.
    public var impliedTenorYears: Double
    /// Largest |ρ| in the table. Default 0.99.
    public var maximumMagnitude: Double
    /// Smallest eigenvalue the table may have. Default 1e−4.
    public var eigenvalueFloor: Double

    public init(impliedTenorYears: Double = 30.0 / 365, maximumMagnitude: Double = 0.99,
                eigenvalueFloor: Double = 1e-4) {
        self.impliedTenorYears = impliedTenorYears
        self.maximumMagnitude = maximumMagnitude
        self.eigenvalueFloor = eigenvalueFloor
    }

    /// The table for every underlying of `snapshot`: implied from its cross rates at the tenor, `realized`
    /// otherwise, `snapshot.correlations` as the fallback.
    ///
    /// - Throws: ``InputError`` from ``ImpliedCorrelation`` (e.g. an inconsistent cross surface) or the checks of
    ///   ``decide(names:implied:realized:fallback:)``.
    public func decide(snapshot: MarketSnapshot, realized: RealizedCorrelation?) throws(InputError) -> Decision {
        let implied = snapshot.crossRates.isEmpty
            ? nil : try ImpliedCorrelation(snapshot: snapshot, tenorYears: impliedTenorYears)
        return try decide(names: snapshot.underlyings.keys.sorted(), implied: implied, realized: realized,
                          fallback: snapshot.correlations)
    }

    /// The table for `names` from the given sources (the implied list is read at its first expiry per pair: pass
    /// one read at the tenor).
    ///
    /// - Throws: ``InputError`` when `maximumMagnitude` is not in (0, 0.99] or the floor not in (0, 1), or when a
    ///   sourced ρ is not finite.
    public func decide(names: [String], implied: ImpliedCorrelation?, realized: RealizedCorrelation?,
                       fallback: CorrelationTable) throws(InputError) -> Decision {
        guard maximumMagnitude > 0, maximumMagnitude <= 0.99 else {
            throw InputError.invalid(path: "maximumMagnitude", reason: "must be in (0, 0.99], got \(maximumMagnitude)")
        }
        let names = Array(Set(names)).sorted()
        let n = names.count
        var matrix = [Double](repeating: 0, count: n * n)
        var sources: [String: Source] = [:]
        for i in 0..<n {
            matrix[i * n + i] = 1
            for j in (i + 1)..<max(i + 1, n) {
                let (a, b) = (names[i], names[j])
                var rho: Double
                var source: Source
                if let p = implied?.pairs(a, b).first {
                    (rho, source) = (p.implied, .implied)
                } else if let realized, let r = realized.rho(a, b) {
                    (rho, source) = (r, .realized)
                } else {
                    (rho, source) = (fallback.rho(a, b), .fallback)
                }
                guard rho.isFinite else {
                    throw InputError.invalid(path: "\(a)/\(b)", reason: "\(source.rawValue) correlation is not finite")
                }
                rho = min(max(rho, -maximumMagnitude), maximumMagnitude)
                matrix[i * n + j] = rho
                matrix[j * n + i] = rho
                sources["\(a)/\(b)"] = source
            }
        }
        let projected = try NearestCorrelationMatrix(eigenvalueFloor: eigenvalueFloor).nearest(to: matrix, dimension: n)
        var result = projected.matrix
        var largest = 0.0
        for i in 0..<n {
            for j in 0..<n where i != j { largest = max(largest, abs(result[i * n + j])) }
        }
        if largest > maximumMagnitude {
            let scale = maximumMagnitude / largest
            for i in 0..<n {
                for j in 0..<n where i != j { result[i * n + j] = min(max(result[i * n + j] * scale, -maximumMagnitude),
                                                                      maximumMagnitude) }
            }
        }
        var table = CorrelationTable()
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) { table.set(names[i], names[j], rho: result[i * n + j]) }
        }
        _ = try CorrelationModel(names: names, table: table)
        return Decision(names: names, table: table, sources: sources, repaired: result != matrix)
    }
}
