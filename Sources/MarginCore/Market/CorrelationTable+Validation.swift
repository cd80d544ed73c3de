extension CorrelationTable {
    /// The domain of a configured ρ.
    public static let rhoDomain = NumberDomain.closed(-1, 1)

    /// The intrinsic checks of a table (what its decoder also enforces): no pair of an underlying with itself, every
    /// ρ finite in [−1, 1]. Whether the names have markets and the matrix is positive definite depends on the
    /// market: ``CorrelationModel`` and the engine check those.
    ///
    /// - Parameter path: prefixed to the pair in the error: `correlations[BTC/ETH].rho`.
    /// - Throws: ``InputError/invalid(path:reason:)`` naming the first bad pair.
    public func validate(path: String = "correlations") throws(InputError) {
        for (a, b, rho) in pairs {
            let field = "\(path)[\(a)/\(b)]"
            guard a != b else {
                throw InputError.invalid(
                    path: field, reason: "pairs \(a) with itself (its correlation is 1 by definition)")
            }
            guard Self.rhoDomain.contains(rho) else {
                throw InputError.invalid(path: "\(field).rho", reason: "must be a finite number in [-1, 1], got \(rho)")
            }
        }
    }
}
