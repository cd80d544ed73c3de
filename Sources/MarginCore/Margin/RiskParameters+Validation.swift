extension RiskParameters {
    /// The domain of every numeric field, by its key in a parameter file (`liquidationCost.futuresRate`; `[]` for
    /// each element of a list): the one range table, read by ``validate(path:)`` and therefore by the parameter-file
    /// decoder (``init(json:base:allowing:)``), which validates what it decoded.
    ///
    /// Two rules are not intervals and live beside the table in ``validate(path:)``: `pricePoints` is an odd integer
    /// in [3, 201], and `extremeMultiple × priceRange < 1` (an extreme move never reaches −100%).
    public static let domains: [(key: String, domain: NumberDomain)] = [
        ("priceRange", .open(0, 1)),
        ("volShifts[]", .open(-1, 10)),
        ("timeShiftsDays[]", .closed(0, 366)),
        ("extremeMultiple", .closedOpen(1, .infinity, text: "≥ 1 with multiple × priceRange < 1")),
        ("extremeCoverage", .closed(0, 1)),
        ("shortOptionMinimumRate", .closedOpen(0, 1)),
        ("rollShift", .closedOpen(0, 1)),
        ("liquidationCost.futuresRate", .closedOpen(0, 1)),
        ("liquidationCost.optionsNotionalRate", .closedOpen(0, 1)),
        ("liquidationCost.optionsValueRate", .closedOpen(0, 1)),
        ("initialToMaintenance", .closed(1, 10)),
        ("takeoverRatio", .closed(0, 1)),
        ("correlationStress", .closed(0, 1)),
        ("minVol", .open(0, 10)),
    ]

    /// `pricePoints`: an odd integer in this range (so that 0 is a price point).
    public static let pricePointsRange = 3...201

    /// The domain of `key` in ``domains``.
    static func domain(_ key: String) -> NumberDomain {
        domains.first { $0.key == key }?.domain ?? .closed(-.infinity, .infinity)
    }

    /// Checks every field against ``domains`` and the two rules beside it, in the parameter file's field order.
    /// Nothing that passes can trap or fail later: the scenario set is well formed and every scenario price is > 0.
    ///
    /// - Parameter path: prefixed to the field in the error (`$` gives `$.priceRange`, as the file decoder reports;
    ///   the engine passes `parameters`).
    /// - Throws: ``InputError/invalid(path:reason:)`` naming the first field out of its domain.
    public func validate(path: String = "parameters") throws(InputError) {
        func check(_ key: String, _ value: Double) throws(InputError) {
            try Self.domain(key).check(value, path: "\(path).\(key)")
        }
        func checkList(_ key: String, _ values: [Double]) throws(InputError) {
            guard !values.isEmpty else { throw InputError.invalid(path: "\(path).\(key)", reason: "must not be empty") }
            let domain = Self.domain("\(key)[]")
            for (i, v) in values.enumerated() { try domain.check(v, path: "\(path).\(key)[\(i)]") }
        }
        try check("priceRange", priceRange)
        guard Self.pricePointsRange.contains(pricePoints), pricePoints % 2 == 1 else {
            throw InputError.invalid(
                path: "\(path).pricePoints",
                reason: "must be an odd integer in [\(Self.pricePointsRange.lowerBound), "
                    + "\(Self.pricePointsRange.upperBound)], got \(pricePoints)")
        }
        try checkList("volShifts", volShifts)
        try checkList("timeShiftsDays", timeShiftsDays)
        let extreme = Self.domain("extremeMultiple")
        guard extreme.contains(extremeMultiple), extremeMultiple * priceRange < 1 else {
            throw extreme.error(extremeMultiple, path: "\(path).extremeMultiple")
        }
        try check("extremeCoverage", extremeCoverage)
        try check("shortOptionMinimumRate", shortOptionMinimumRate)
        try check("rollShift", rollShift)
        try check("liquidationCost.futuresRate", futuresLiquidationRate)
        try check("liquidationCost.optionsNotionalRate", optionsNotionalLiquidationRate)
        try check("liquidationCost.optionsValueRate", optionsValueLiquidationRate)
        try check("initialToMaintenance", initialToMaintenance)
        try check("takeoverRatio", takeoverRatio)
        try check("correlationStress", correlationStress)
        try check("minVol", minVol)
    }
}
