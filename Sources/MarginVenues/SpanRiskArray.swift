import MarginCore

/// One contract's SPAN risk array: its P&L (USD per contract, gain positive) in SPAN's 16 scenarios, the extreme
/// scenarios 15–16 already multiplied by their covered fraction, as SPAN risk-parameter files give it.
///
/// Scenario order (CME): 1–2 price unchanged, vol up / down; 3–6 price up 1/3 (vol up, down), down 1/3 (up, down);
/// 7–10 the same at 2/3 of the scan range; 11–14 at 3/3; 15 price up 2 × scan range, 16 down, vol unchanged.
///
/// ```swift
/// let future = SpanRiskArray.future(scanRange: 10_000)   // McMillan's S&P future: loss 10,000 at −3/3
/// ```
public struct SpanRiskArray: Hashable, Sendable {
    /// SPAN's scenario count.
    public static let scenarioCount = 16

    /// P&L per contract per scenario, USD.
    public let values: [Double]

    /// Checks the length (16) and that every value is finite.
    ///
    /// - Throws: ``InputError/invalid(path:reason:)`` naming `path`.
    public init(_ values: [Double], path: String = "riskArray") throws(InputError) {
        guard values.count == Self.scenarioCount else {
            throw InputError.invalid(
                path: path,
                reason: "a SPAN risk array has \(Self.scenarioCount) values "
                    + "(scenarios 1–16), got \(values.count)")
        }
        for (i, v) in values.enumerated() where !(v.isFinite && abs(v) < 1e15) {
            throw InputError.invalid(path: "\(path)[\(i)]", reason: "must be a finite amount, got \(v)")
        }
        self.values = values
    }

    private init(unchecked values: [Double]) { self.values = values }

    /// The array of one long futures contract whose scan range is `scanRange` USD: `±k/3 · scanRange` in scenarios
    /// 3–14 (vol has no effect) and `±extremeMultiple · scanRange · coverage` in 15–16.
    public static func future(scanRange s: Double, extremeMultiple: Double = 2, coverage: Double = 0.35)
        -> SpanRiskArray
    {
        var v: [Double] = [0, 0]
        for k in 1...3 {
            let m = s * Double(k) / 3
            v += [m, m, -m, -m]
        }
        v += [extremeMultiple * s * coverage, -extremeMultiple * s * coverage]
        return SpanRiskArray(unchecked: v)
    }

    /// Scan risk of this array alone: `max(0, largest loss)`, USD.
    public var scanRisk: Double { max(0, -(values.min() ?? 0)) }
}

/// A contract in a SPAN file: its array, the calendar month it belongs to (for intra-commodity spreads), its
/// composite delta (futures-equivalent contracts per contract, for spread formation) and its short-option minimum.
public struct SpanContract: Hashable, Sendable {
    public var id: String
    public var month: String
    /// Futures-equivalent delta per contract (1 for a future).
    public var delta: Double
    public var isOption: Bool
    /// USD per short option contract.
    public var shortOptionMinimum: Double
    public var riskArray: SpanRiskArray

    public init(
        id: String, month: String, delta: Double, isOption: Bool, shortOptionMinimum: Double = 0,
        riskArray: SpanRiskArray
    ) {
        self.id = id
        self.month = month
        self.delta = delta
        self.isOption = isOption
        self.shortOptionMinimum = shortOptionMinimum
        self.riskArray = riskArray
    }
}

/// An intra-commodity (calendar) spread charge: USD per spread of one delta long in one month and one short in
/// the other. Spreads are formed in table order (priority).
public struct SpanIntraSpread: Hashable, Sendable {
    public var months: (String, String)
    public var charge: Double

    public init(_ a: String, _ b: String, charge: Double) {
        months = (a, b)
        self.charge = charge
    }

    public static func == (x: Self, y: Self) -> Bool {
        x.months.0 == y.months.0 && x.months.1 == y.months.1 && x.charge == y.charge
    }

    public func hash(into h: inout Hasher) {
        h.combine(months.0)
        h.combine(months.1)
        h.combine(charge)
    }
}

/// An inter-commodity spread: `ratioA` deltas of commodity A against `ratioB` of B in the opposite direction earn a
/// credit of `credit` × the outright margin of the matched legs. Formed in table order (priority).
public struct SpanInterSpread: Hashable, Sendable {
    public var commodityA: String
    public var ratioA: Double
    public var commodityB: String
    public var ratioB: Double
    /// Credit rate (0.55 = 55%).
    public var credit: Double

    public init(_ a: String, ratio ra: Double, _ b: String, ratio rb: Double, credit: Double) {
        commodityA = a
        ratioA = ra
        commodityB = b
        ratioB = rb
        self.credit = credit
    }
}

/// A combined commodity of a SPAN file: its contracts and calendar-spread table.
public struct SpanCommodity: Hashable, Sendable {
    public var name: String
    public var contracts: [SpanContract]
    public var intraSpreads: [SpanIntraSpread]
    /// USD per spread for month pairs not in `intraSpreads` (0 = none).
    public var defaultIntraCharge: Double

    public init(
        name: String, contracts: [SpanContract], intraSpreads: [SpanIntraSpread] = [],
        defaultIntraCharge: Double = 0
    ) {
        self.name = name
        self.contracts = contracts
        self.intraSpreads = intraSpreads
        self.defaultIntraCharge = defaultIntraCharge
    }
}

/// A book margined on given SPAN arrays: the file's combined commodities and inter-commodity spreads, and the
/// positions (contracts, long positive).
public struct SpanBook: Hashable, Sendable {
    public var account: String
    public var commodities: [SpanCommodity]
    public var interSpreads: [SpanInterSpread]
    public var positions: [(contract: String, quantity: Double)]
    /// The account's equity, USD, for health; `nil` when not given.
    public var equity: Double?

    public init(
        account: String = "span-book", commodities: [SpanCommodity], interSpreads: [SpanInterSpread] = [],
        positions: [(contract: String, quantity: Double)], equity: Double? = nil
    ) {
        self.account = account
        self.equity = equity
        self.commodities = commodities
        self.interSpreads = interSpreads
        self.positions = positions
    }

    public static func == (x: Self, y: Self) -> Bool {
        x.account == y.account && x.equity == y.equity && x.commodities == y.commodities
            && x.interSpreads == y.interSpreads
            && x.positions.count == y.positions.count
            && zip(x.positions, y.positions).allSatisfy { $0.contract == $1.contract && $0.quantity == $1.quantity }
    }

    public func hash(into h: inout Hasher) {
        h.combine(account)
        h.combine(equity)
        h.combine(commodities)
        h.combine(interSpreads)
        for p in positions {
            h.combine(p.contract)
            h.combine(p.quantity)
        }
    }
}

extension SpanBook {
    /// Decodes a SPAN book:
    ///
    /// ```json
    /// {"account": "a", "equity": 25000, "combinedCommodities": [{"name": "SP", "defaultIntraCharge": 0,
    ///    "intraSpreads": [{"months": ["M2", "M3"], "charge": 200}],
    ///    "contracts": [{"id": "SP-DEC", "month": "DEC", "kind": "future", "delta": 1, "shortOptionMinimum": 0,
    ///                   "riskArray": [16 numbers]}]}],
    ///  "interSpreads": [{"legs": [{"commodity": "C", "ratio": 2}, {"commodity": "S", "ratio": 1}], "credit": 0.55}],
    ///  "positions": [{"contract": "SP-DEC", "quantity": 1}]}
    /// ```
    ///
    /// `kind` is `future` (default) or `option`; `delta` defaults to 1 for a future and 0 for an option.
    ///
    /// - Throws: ``InputError`` naming the field: a risk array of the wrong length, a duplicate contract id, a spread
    ///   naming an unknown month or commodity, a position in an unknown contract.
    public init(json root: JSONNode) throws(InputError) {
        let account = try root.optional("account")?.string() ?? "span-book"
        var commodities: [SpanCommodity] = []
        var ids = Set<String>()
        var names = Set<String>()
        for c in try root.required("combinedCommodities").array() {
            let nameNode = try c.required("name")
            let name = try nameNode.string()
            guard !name.isEmpty, names.insert(name).inserted else {
                throw InputError.invalid(path: nameNode.path, reason: "empty or repeated commodity name \"\(name)\"")
            }
            var contracts: [SpanContract] = []
            for k in try c.required("contracts").array() {
                let idNode = try k.required("id")
                let id = try idNode.string()
                guard !id.isEmpty, ids.insert(id).inserted else {
                    throw InputError.invalid(path: idNode.path, reason: "empty or repeated contract id \"\(id)\"")
                }
                let kindNode = try k.optional("kind")
                let kind = try kindNode?.string() ?? "future"
                guard kind == "future" || kind == "option" else {
                    throw InputError.invalid(
                        path: kindNode?.path ?? k.path,
                        reason: "\"\(kind)\" is not one of \"future\", \"option\"")
                }
                let arrayNode = try k.required("riskArray")
                let values = try arrayNode.array().map { (x) throws(InputError) in try x.double() }
                contracts.append(
                    SpanContract(
                        id: id,
                        month: try k.optional("month")?.string() ?? "",
                        delta: try k.optional("delta")?.double(where: { abs($0) < 1e6 }, "a finite delta")
                            ?? (kind == "future" ? 1 : 0),
                        isOption: kind == "option",
                        shortOptionMinimum: try k.optional("shortOptionMinimum")?
                            .double(where: { $0 >= 0 && $0 < 1e15 }, "a USD amount ≥ 0") ?? 0,
                        riskArray: try SpanRiskArray(values, path: arrayNode.path)))
            }
            let months = Set(contracts.map(\.month))
            var intra: [SpanIntraSpread] = []
            for s in try c.optional("intraSpreads")?.array() ?? [] {
                let mNode = try s.required("months")
                let pair = try mNode.array().map { (x) throws(InputError) in try x.string() }
                guard pair.count == 2, pair[0] != pair[1] else {
                    throw InputError.invalid(path: mNode.path, reason: "must name two different months")
                }
                for (i, m) in pair.enumerated() where !months.contains(m) {
                    throw InputError.invalid(
                        path: "\(mNode.path)[\(i)]", reason: "no contract of \(name) has month \"\(m)\"")
                }
                intra.append(
                    SpanIntraSpread(
                        pair[0], pair[1],
                        charge: try s.required("charge").double(
                            where: { $0 >= 0 && $0 < 1e15 },
                            "a USD amount ≥ 0")))
            }
            let defaultCharge =
                try c.optional("defaultIntraCharge")?
                .double(where: { $0 >= 0 && $0 < 1e15 }, "a USD amount ≥ 0") ?? 0
            commodities.append(
                SpanCommodity(
                    name: name, contracts: contracts, intraSpreads: intra,
                    defaultIntraCharge: defaultCharge))
        }
        var inter: [SpanInterSpread] = []
        for s in try root.optional("interSpreads")?.array() ?? [] {
            inter.append(try SpanInterSpread(json: s, commodities: names))
        }
        var positions: [(contract: String, quantity: Double)] = []
        for p in try root.optional("positions")?.array() ?? [] {
            let cNode = try p.required("contract")
            let id = try cNode.string()
            guard ids.contains(id) else {
                throw InputError.invalid(path: cNode.path, reason: "unknown contract \"\(id)\"")
            }
            positions.append((id, try p.required("quantity").double(where: { abs($0) < 1e12 }, "a finite quantity")))
        }
        let equity = try root.optional("equity")?.double(where: { abs($0) < 1e15 }, "a finite USD amount")
        self.init(account: account, commodities: commodities, interSpreads: inter, positions: positions, equity: equity)
    }

    /// Decodes a SPAN book from JSON text.
    public init(jsonText: String) throws(InputError) { try self.init(json: JSONNode.parse(jsonText)) }
}

extension SpanInterSpread {
    /// `{"legs": [{"commodity": "C", "ratio": 2}, {"commodity": "S", "ratio": 1}], "credit": 0.55}`; when
    /// `commodities` is given, each leg must name one of them. `strict` (a parameter file's spreads) makes an
    /// unknown key an error naming it; a SPAN book's spreads are read leniently.
    public init(json s: JSONNode, commodities: Set<String>?, strict: Bool = false) throws(InputError) {
        if strict { try s.rejectUnknownKeys(["legs", "credit"]) }
        let legsNode = try s.required("legs")
        let legs = try legsNode.array()
        guard legs.count == 2 else { throw InputError.invalid(path: legsNode.path, reason: "must have exactly 2 legs") }
        var parsed: [(String, Double)] = []
        for leg in legs {
            if strict { try leg.rejectUnknownKeys(["commodity", "ratio"]) }
            let cNode = try leg.required("commodity")
            let c = try cNode.string()
            if let commodities, !commodities.contains(c) {
                throw InputError.invalid(path: cNode.path, reason: "unknown combined commodity \"\(c)\"")
            }
            parsed.append((c, try leg.optional("ratio")?.double(where: { $0 > 0 && $0 < 1e6 }, "a ratio > 0") ?? 1))
        }
        guard parsed[0].0 != parsed[1].0 else {
            throw InputError.invalid(path: legsNode.path, reason: "legs must name two different commodities")
        }
        self.init(
            parsed[0].0, ratio: parsed[0].1, parsed[1].0, ratio: parsed[1].1,
            credit: try s.required("credit").double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]"))
    }
}
