extension BookTemplate {
    /// The stand-in expiry of a leg whose expiry is a tenor (replaced on each day by the day plus the tenor).
    static let standInExpiry = Instant(secondsSinceEpoch: 4_102_444_800)  // 2100-01-01T00:00:00Z

    /// Decodes a book template: the portfolio format (``Portfolio/init(json:)``), where an option may give
    /// `moneyness` (> 0, < 100) instead of `strike` and `tenorDays` (> 0, ≤ 36,500) instead of `expiry`, and a dated
    /// future `tenorDays` instead of `expiry`.
    ///
    /// - Throws: ``InputError`` naming the field: both `strike` and `moneyness` (or `expiry` and `tenorDays`),
    ///   `moneyness` on a future or perpetual, `tenorDays` on a perpetual, or any error of the portfolio format.
    public init(json root: JSONNode) throws(InputError) {
        let (account, balances) = try Portfolio.accountAndBalances(json: root)
        var legs: [Leg] = []
        for node in try root.optional("positions")?.array() ?? [] {
            legs.append(try Leg(json: node))
        }
        self.init(account: account, balances: balances, legs: legs)
    }

    /// Decodes a book template from JSON text.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }
}

extension BookTemplate.Leg {
    /// The domain of `moneyness`.
    public static let moneynessDomain = NumberDomain.open(0, 100, text: "a moneyness in (0, 100)")
    /// The domain of `tenorDays`.
    public static let tenorDomain = NumberDomain(0, 36_500, lowerIncluded: false, upperIncluded: true,
                                                 text: "a tenor in (0, 36500] days")

    /// Decodes one leg (see ``BookTemplate/init(json:)``).
    public init(json node: JSONNode) throws(InputError) {
        let kind = try node.required("kind").string()
        let moneyness = try node.optional("moneyness")?.double(in: Self.moneynessDomain)
        let tenorDays = try node.optional("tenorDays")?.double(in: Self.tenorDomain)
        func exclusive(_ relative: String, _ fixed: String) throws(InputError) {
            if try node.optional(fixed) != nil {
                throw InputError.invalid(path: "\(node.path).\(relative)", reason: "give \(relative) or \(fixed), not both")
            }
        }
        if moneyness != nil {
            guard kind == "option" else {
                throw InputError.invalid(path: "\(node.path).moneyness", reason: "a \(kind) has no strike")
            }
            try exclusive("moneyness", "strike")
        }
        if tenorDays != nil {
            guard kind != "perpetual" else {
                throw InputError.invalid(path: "\(node.path).tenorDays", reason: "a perpetual has no expiry")
            }
            try exclusive("tenorDays", "expiry")
        }
        // The portfolio format's decoder reads the rest, with stand-ins where the template is relative.
        guard case .object(var pairs) = node.value else {
            throw InputError.wrongType(path: node.path, expected: "an object", found: node.value.typeName)
        }
        pairs.removeAll { $0.key == "moneyness" || $0.key == "tenorDays" }
        if moneyness != nil { pairs.append((key: "strike", value: .double(1))) }
        if tenorDays != nil { pairs.append((key: "expiry", value: .instant(BookTemplate.standInExpiry))) }
        let position = try Position(json: JSONNode(.object(pairs), path: node.path))
        self.init(position: position, moneyness: moneyness, tenorDays: tenorDays)
    }
}
