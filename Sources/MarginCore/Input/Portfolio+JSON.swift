extension Portfolio {
    /// Decodes an account in the format of `shared/examples/portfolio.json`.
    ///
    /// Each position needs `kind` (`option`, `future`, `perpetual`), `underlying` and `settlement`; options need
    /// `expiry`, `strike` > 0, `right` and `quantity` (coins); futures need `expiry`; linear futures and perpetuals
    /// take `quantity` (coins), inverse ones `notionalUSD`. Fields that contradict the kind or settlement are errors.
    /// Checks against a market (known underlying, not expired, vol surface present) are in
    /// ``validate(against:)``.
    public init(json root: JSONNode) throws(InputError) {
        let (account, balances) = try Self.accountAndBalances(json: root)
        var positions: [Position] = []
        for node in try root.optional("positions")?.array() ?? [] {
            positions.append(try Position(json: node))
        }
        self.init(account: account, balances: balances, positions: positions)
    }

    /// Decodes an account from JSON text.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }

    /// An account file's `account` (default `"account"`) and `balances` (currency → amount, finite, |amount| < 10¹⁵):
    /// the part the portfolio and the book-template formats share.
    static func accountAndBalances(json root: JSONNode) throws(InputError) -> (String, [String: Double]) {
        let account = try root.optional("account")?.string() ?? "account"
        var balances: [String: Double] = [:]
        for (currency, node) in try root.optional("balances")?.object() ?? [] {
            guard !currency.isEmpty else { throw InputError.invalid(path: node.path, reason: "empty currency code") }
            balances[currency] = try node.double(where: { abs($0) < 1e15 }, "a finite amount")
        }
        return (account, balances)
    }

    /// Checks every position and balance against `market`: known underlyings and currencies, positions not expired
    /// at valuation time, a vol surface for every option. Errors name `$.positions[i].field`.
    public func validate(against market: MarketSnapshot) throws(InputError) {
        for (currency, _) in sortedBalances where market.usdPrice(of: currency) == nil {
            throw InputError.unknownUnderlying(path: "$.balances.\(currency)", name: currency)
        }
        for (i, p) in positions.enumerated() {
            let path = "$.positions[\(i)]"
            guard let u = market.underlyings[p.instrument.underlying] else {
                throw InputError.unknownUnderlying(path: "\(path).underlying", name: p.instrument.underlying)
            }
            if let expiry = p.instrument.expiry, expiry <= market.valuationTime {
                throw InputError.invalid(
                    path: "\(path).expiry",
                    reason: "\(expiry) is not after valuation time \(market.valuationTime): the position has expired")
            }
            if p.instrument.option != nil, u.volSurface == nil {
                throw InputError.invalid(path: "\(path).underlying",
                                         reason: "\(u.name) has no vol surface in the market to value this option")
            }
        }
    }
}

extension Position {
    /// Decodes one position: its instrument (``Instrument/init(json:)``) and its size; see
    /// ``Portfolio/init(json:)`` for the rules.
    public init(json node: JSONNode) throws(InputError) {
        let instrument = try Instrument(json: node)
        let kind = try node.required("kind").string()
        let quantity = try node.optional("quantity")?.double(where: { abs($0) < 1e12 }, "a finite quantity")
        let notional = try node.optional("notionalUSD")?.double(where: { abs($0) < 1e15 }, "a finite notional")
        let entryPrice = try node.optional("entryPrice")?.positiveDouble()
        func reject(_ field: String, _ why: String) throws(InputError) {
            if try node.optional(field) != nil {
                throw InputError.invalid(path: "\(node.path).\(field)", reason: why)
            }
        }
        func size(_ why: String) throws(InputError) -> Double {
            if instrument.isSizedByNotional {
                try reject("quantity", "an inverse \(kind) is sized by notionalUSD, not quantity")
                guard let n = notional else { throw InputError.missing(path: "\(node.path).notionalUSD") }
                return n
            }
            try reject("notionalUSD", why)
            guard let q = quantity else { throw InputError.missing(path: "\(node.path).quantity") }
            return q
        }
        if instrument.option != nil {
            try reject("entryPrice", "options take no entryPrice (their value counts in equity)")
            self.init(instrument: instrument, size: try size("options are sized by quantity (coins), not notionalUSD"))
        } else {
            let q = try size("a linear \(kind) is sized by quantity (coins), not notionalUSD")
            self.init(instrument: instrument, size: q, entryPrice: entryPrice)
        }
    }
}

extension Portfolio {
    /// The account in the format ``init(json:)`` reads, keys sorted: `{"account", "balances": {currency: amount},
    /// "positions": [{instrument fields…, "quantity" | "notionalUSD", "entryPrice"?}]}`, positions in their order.
    /// Reads back to an equal value.
    public var json: JSONValue {
        .sortedObject([
            ("account", .string(account)),
            ("balances", .sortedObject(balances.map { ($0.key, .double($0.value)) })),
            ("positions", .array(positions.map(\.json))),
        ])
    }
}

extension Position {
    /// The position in a portfolio file's format: the instrument's fields (``Instrument/json``), its size as
    /// `quantity` (coins) or `notionalUSD` (inverse futures and perpetuals), and `entryPrice` when it has one.
    public var json: JSONValue {
        guard case .object(let fields) = instrument.json else { return instrument.json }
        var pairs = fields.map { ($0.key, $0.value) }
        pairs.append((instrument.isSizedByNotional ? "notionalUSD" : "quantity", .double(size)))
        if let entryPrice { pairs.append(("entryPrice", .double(entryPrice))) }
        return .sortedObject(pairs)
    }
}
