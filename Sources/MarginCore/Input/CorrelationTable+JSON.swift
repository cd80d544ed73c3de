extension CorrelationTable {
    /// Decodes `market.json`'s `correlations`: `[{"pair": [a, b], "rho": ρ}]`. Each pair names two different
    /// underlyings (known ones, when `knownUnderlyings` is given), at most once in either order, with ρ in [−1, 1]
    /// (``rhoDomain``). Errors name `correlations[i].pair` or `correlations[i].rho`.
    ///
    /// The same decoder reads the engine's `correlations` events and snapshots (which check the names against their
    /// markets, and the matrix, themselves).
    public init(json node: JSONNode, knownUnderlyings: Set<String>? = nil) throws(InputError) {
        self.init()
        var seenPairs = Set<String>()
        for entry in try node.array() {
            let pairNode = try entry.required("pair")
            let names = try pairNode.array().map { (n) throws(InputError) in try n.string() }
            guard names.count == 2, names[0] != names[1] else {
                throw InputError.invalid(path: pairNode.path, reason: "must name two different underlyings")
            }
            if let knownUnderlyings {
                for (i, n) in names.enumerated() where !knownUnderlyings.contains(n) {
                    throw InputError.unknownUnderlying(path: "\(pairNode.path)[\(i)]", name: n)
                }
            }
            guard seenPairs.insert(names.sorted().joined(separator: "|")).inserted else {
                throw InputError.invalid(path: pairNode.path, reason: "pair \(names[0])/\(names[1]) is listed twice")
            }
            set(names[0], names[1], rho: try entry.required("rho").double(in: Self.rhoDomain))
        }
    }

    /// The table in the same format, pairs sorted (its canonical order), keys sorted.
    public var json: JSONValue {
        .array(pairs.map { a, b, rho in
            .sortedObject([("pair", .array([.string(a), .string(b)])), ("rho", .double(rho))])
        })
    }
}
