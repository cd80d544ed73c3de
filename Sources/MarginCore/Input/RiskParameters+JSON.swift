extension RiskParameters {
    /// The keys of a parameter file (`shared/examples/params-reference.json`'s format), in its order.
    public static let fileKeys = [
        "name", "priceRange", "pricePoints", "volShifts", "timeShiftsDays", "extremeMultiple", "extremeCoverage",
        "shortOptionMinimumRate", "rollShift", "liquidationCost", "initialToMaintenance", "takeoverRatio",
        "correlationMode", "correlationStress", "minVol",
    ]
    /// The keys of the `liquidationCost` object.
    public static let liquidationCostKeys = ["futuresRate", "optionsNotionalRate", "optionsValueRate"]

    /// Decodes a parameter file over `base`: absent fields keep `base`'s values. Strict: a key that is not a
    /// parameter (at the root or in `liquidationCost`) is an error naming it, so a misspelling never passes
    /// silently; every value is checked by ``validate(path:)`` (the one range table). Errors name the field.
    ///
    /// - Parameter extraKeys: keys the caller handles at this level (a venue file's `"preset"` and sections).
    public init(json root: JSONNode, base: RiskParameters = .reference, allowing extraKeys: [String] = [])
        throws(InputError)
    {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys + extraKeys)
        func doubles(_ n: JSONNode) throws(InputError) -> [Double] {
            try n.array().map { (x) throws(InputError) in try x.double() }
        }
        if let n = try root.optional("name") { name = try n.string() }
        if let n = try root.optional("priceRange") { priceRange = try n.double() }
        if let n = try root.optional("pricePoints") { pricePoints = try n.integer() }
        if let n = try root.optional("volShifts") { volShifts = try doubles(n) }
        if let n = try root.optional("timeShiftsDays") { timeShiftsDays = try doubles(n) }
        if let n = try root.optional("extremeMultiple") { extremeMultiple = try n.double() }
        if let n = try root.optional("extremeCoverage") { extremeCoverage = try n.double() }
        if let n = try root.optional("shortOptionMinimumRate") { shortOptionMinimumRate = try n.double() }
        if let n = try root.optional("rollShift") { rollShift = try n.double() }
        if let lc = try root.optional("liquidationCost") {
            try lc.rejectUnknownKeys(Self.liquidationCostKeys)
            if let n = try lc.optional("futuresRate") { futuresLiquidationRate = try n.double() }
            if let n = try lc.optional("optionsNotionalRate") { optionsNotionalLiquidationRate = try n.double() }
            if let n = try lc.optional("optionsValueRate") { optionsValueLiquidationRate = try n.double() }
        }
        if let n = try root.optional("initialToMaintenance") { initialToMaintenance = try n.double() }
        if let n = try root.optional("takeoverRatio") { takeoverRatio = try n.double() }
        if let n = try root.optional("correlationMode") { correlationMode = try n.enumeration(CorrelationMode.self) }
        if let n = try root.optional("correlationStress") { correlationStress = try n.double() }
        if let n = try root.optional("minVol") { minVol = try n.double() }
        try validate(path: root.path)
    }

    /// Decodes a parameter file from JSON text over the reference set.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }

    /// Every parameter in the parameter-file format, keys sorted (canonical): what ``init(json:base:allowing:)``
    /// reads back to an equal value. The engine journals and snapshots parameters in this form.
    public var json: JSONValue {
        JSONValue.sortedObject([
            ("name", .string(name)), ("priceRange", .double(priceRange)),
            ("pricePoints", .double(Double(pricePoints))), ("volShifts", .array(volShifts.map { .double($0) })),
            ("timeShiftsDays", .array(timeShiftsDays.map { .double($0) })),
            ("extremeMultiple", .double(extremeMultiple)), ("extremeCoverage", .double(extremeCoverage)),
            ("shortOptionMinimumRate", .double(shortOptionMinimumRate)), ("rollShift", .double(rollShift)),
            ("liquidationCost", .sortedObject([
                ("futuresRate", .double(futuresLiquidationRate)),
                ("optionsNotionalRate", .double(optionsNotionalLiquidationRate)),
                ("optionsValueRate", .double(optionsValueLiquidationRate)),
            ])),
            ("initialToMaintenance", .double(initialToMaintenance)), ("takeoverRatio", .double(takeoverRatio)),
            ("correlationMode", .string(correlationMode.rawValue)),
            ("correlationStress", .double(correlationStress)), ("minVol", .double(minVol)),
        ])
    }
}
