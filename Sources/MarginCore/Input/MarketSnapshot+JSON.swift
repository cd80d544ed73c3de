extension MarketSnapshot {
    /// Decodes and validates a market snapshot in the format of `shared/examples/market.json`.
    ///
    /// Checks: `valuationTime` is an instant; each underlying's `index` > 0, `rate` finite in [−1, 1], forward
    /// prices > 0 at expiries after valuation time, vol points with strike > 0 and 0 < iv < 100; correlations name
    /// two distinct known underlyings with ρ in [−1, 1], each pair once; `crossRates` (optional) as
    /// ``CrossRate/decodeAll(_:underlyings:valuationTime:)`` checks them.
    public init(json root: JSONNode) throws(InputError) {
        let valuationTime = try root.required("valuationTime").instant()
        var markets: [String: UnderlyingMarket] = [:]
        for (name, node) in try root.required("underlyings").object() {
            guard !name.isEmpty, !Portfolio.stablecoins.contains(name) else {
                throw InputError.invalid(path: node.path, reason: "\"\(name)\" cannot be an underlying")
            }
            markets[name] = try UnderlyingMarket(json: node, name: name, valuationTime: valuationTime)
        }
        var correlations = CorrelationTable()
        var seenPairs = Set<String>()
        for entry in try root.optional("correlations")?.array() ?? [] {
            let pairNode = try entry.required("pair")
            let names = try pairNode.array().map { (n) throws(InputError) in try n.string() }
            guard names.count == 2, names[0] != names[1] else {
                throw InputError.invalid(path: pairNode.path, reason: "must name two different underlyings")
            }
            for (i, n) in names.enumerated() where markets[n] == nil {
                throw InputError.unknownUnderlying(path: "\(pairNode.path)[\(i)]", name: n)
            }
            guard seenPairs.insert(names.sorted().joined(separator: "|")).inserted else {
                throw InputError.invalid(path: pairNode.path, reason: "pair \(names[0])/\(names[1]) is listed twice")
            }
            let rho = try entry.required("rho").double(where: { $0 >= -1 && $0 <= 1 }, "in [-1, 1]")
            correlations.set(names[0], names[1], rho: rho)
        }
        let crossRates = try CrossRate.decodeAll(root.optional("crossRates"), underlyings: markets,
                                                 valuationTime: valuationTime)
        self.init(valuationTime: valuationTime, underlyings: markets, correlations: correlations,
                  crossRates: crossRates)
    }

    /// Decodes a snapshot from JSON text.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }
}

extension UnderlyingMarket {
    init(json node: JSONNode, name: String, valuationTime: Instant) throws(InputError) {
        let index = try node.required("index").double(where: { $0 > 0 && $0 < 1e15 }, "a price > 0")
        let rate = try node.optional("rate")?.double(where: { $0 >= -1 && $0 <= 1 }, "in [-1, 1]") ?? 0
        var forwards: [Instant: Double] = [:]
        for f in try node.optional("forwards")?.array() ?? [] {
            let expiryNode = try f.required("expiry")
            let expiry = try expiryNode.instant()
            guard expiry > valuationTime else {
                throw InputError.invalid(path: expiryNode.path, reason: "\(expiry) is not after valuation time")
            }
            guard forwards[expiry] == nil else {
                throw InputError.invalid(path: expiryNode.path, reason: "forward for \(expiry) is given twice")
            }
            forwards[expiry] = try f.required("price").double(where: { $0 > 0 && $0 < 1e15 }, "a price > 0")
        }
        let perp = try node.optional("perpetualPrice")?.double(where: { $0 > 0 && $0 < 1e15 }, "a price > 0")
        self.init(name: name, index: index, rate: rate, forwards: forwards, perpetualPrice: perp,
                  valuationTime: valuationTime)
        if let surfaceNode = try node.optional("volSurface") {
            var quotes: [(expiry: Instant, points: [(strike: Double, vol: Double)])] = []
            for sliceNode in try surfaceNode.array() {
                let expiry = try sliceNode.required("expiry").instant()
                var points: [(strike: Double, vol: Double)] = []
                for p in try sliceNode.required("points").array() {
                    let strike = try p.required("strike").positiveDouble()
                    let iv = try p.required("iv").double(where: { $0 > 0 && $0 < 100 }, "a vol in (0, 100)")
                    points.append((strike, iv))
                }
                quotes.append((expiry, points))
            }
            let market = self
            volSurface = try VolSurface(quotes: quotes, valuationTime: valuationTime,
                                        forward: { market.forward(expiry: $0) }, path: surfaceNode.path)
        }
    }
}
