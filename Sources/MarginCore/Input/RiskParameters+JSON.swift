extension RiskParameters {
    /// Decodes a parameter file (`shared/examples/params-reference.json`'s format) over `base`: absent fields keep
    /// `base`'s values. Every value is range-checked; errors name the field.
    public init(json root: JSONNode, base: RiskParameters = .reference) throws(InputError) {
        self = base
        _ = try root.object()
        if let n = try root.optional("name") { name = try n.string() }
        if let n = try root.optional("priceRange") { priceRange = try n.double(where: { $0 > 0 && $0 < 1 }, "in (0, 1)") }
        if let n = try root.optional("pricePoints") {
            let v = try n.integer()
            guard v >= 3, v <= 201, v % 2 == 1 else {
                throw InputError.invalid(path: n.path, reason: "must be an odd integer in [3, 201], got \(v)")
            }
            pricePoints = v
        }
        if let n = try root.optional("volShifts") {
            volShifts = try n.array().map { (x) throws(InputError) in try x.double(where: { $0 > -1 && $0 < 10 }, "in (-1, 10)") }
            guard !volShifts.isEmpty else { throw InputError.invalid(path: n.path, reason: "must not be empty") }
        }
        if let n = try root.optional("timeShiftsDays") {
            timeShiftsDays = try n.array().map { (x) throws(InputError) in try x.double(where: { $0 >= 0 && $0 <= 366 }, "in [0, 366]") }
            guard !timeShiftsDays.isEmpty else { throw InputError.invalid(path: n.path, reason: "must not be empty") }
        }
        if let n = try root.optional("extremeMultiple") {
            extremeMultiple = try n.double(where: { $0 >= 1 && $0 * priceRange < 1 }, "≥ 1 with multiple × priceRange < 1")
        }
        if let n = try root.optional("extremeCoverage") { extremeCoverage = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]") }
        if let n = try root.optional("shortOptionMinimumRate") {
            shortOptionMinimumRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
        if let n = try root.optional("rollShift") { rollShift = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)") }
        if let lc = try root.optional("liquidationCost") {
            if let n = try lc.optional("futuresRate") { futuresLiquidationRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)") }
            if let n = try lc.optional("optionsNotionalRate") {
                optionsNotionalLiquidationRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
            }
            if let n = try lc.optional("optionsValueRate") {
                optionsValueLiquidationRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
            }
        }
        if let n = try root.optional("initialToMaintenance") {
            initialToMaintenance = try n.double(where: { $0 >= 1 && $0 <= 10 }, "in [1, 10]")
        }
        if let n = try root.optional("takeoverRatio") { takeoverRatio = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]") }
        if let n = try root.optional("correlationMode") { correlationMode = try n.enumeration(CorrelationMode.self) }
        if let n = try root.optional("correlationStress") {
            correlationStress = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
        if let n = try root.optional("minVol") { minVol = try n.double(where: { $0 > 0 && $0 < 10 }, "in (0, 10)") }
    }

    /// Decodes a parameter file from JSON text over the reference set.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }
}
