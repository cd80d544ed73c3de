import MarginCore

/// CME SPAN (VENUE_PRESETS.md): per combined commodity,
/// `max(scan risk + intra-commodity spread charge − inter-commodity credit, short-option minimum)`, summed; USD.
///
/// - Scan risk: the largest loss of the commodity's summed 16-scenario array (extreme scenarios already weighted).
/// - Intra-commodity charge: calendar spreads formed on net deltas per month, in table order, each charged per spread.
/// - Inter-commodity credit: spreads formed on the commodities' net deltas at their ratio (legs in opposite
///   directions), in table order; credit = rate × outright margin of the matched legs, where the outright margin per
///   delta is the commodity's scan risk / |net delta| (SPAN's weighted futures price risk).
///
/// Arrays are either given (``SpanBook``, as SPAN files give them) or computed from a crypto book: each underlying is a
/// combined commodity, each expiry a month (`PERP`, `SPOT` for perpetuals and balances), deltas are Black-76 deltas in
/// coins. `MM` = the requirement; `IM = initialToMaintenance · MM`.
public struct SpanMargin: Sendable {
    public let parameters: SpanParameters

    public init(parameters: SpanParameters = .defaults) {
        self.parameters = parameters
    }

    /// One combined commodity's position: summed array, net delta per month, minimum and spread table.
    public struct Exposure: Hashable, Sendable {
        public var name: String
        /// Summed P&L per SPAN scenario, USD.
        public var array: [Double]
        /// Months in first-seen order and their net deltas.
        public var months: [String]
        public var deltas: [Double]
        public var intraSpreads: [SpanIntraSpread]
        /// USD per spread for month pairs not in the table.
        public var defaultIntraCharge: Double
        /// Σ over short options of |q| × minimum per contract, USD.
        public var shortOptionMinimum: Double
        public var positionVectors: [VenuePositionVector]
        /// The scenarios (empty for given arrays, known by their SPAN number only).
        public var scenarios: [VenueScenario]

        /// Adds `quantity` of a contract with per-unit `pnl`, `delta` per unit, in `month`.
        mutating func add(pnl: [Double], quantity: Double, delta: Double, month: String, label: String, position: Int?)
        {
            let scaled = pnl.map { $0 * quantity }
            for k in array.indices where k < scaled.count { array[k] += scaled[k] }
            if let i = months.firstIndex(of: month) {
                deltas[i] += delta * quantity
            } else {
                months.append(month)
                deltas.append(delta * quantity)
            }
            positionVectors.append(VenuePositionVector(label: label, position: position, pnl: scaled))
        }
    }

    /// One combined commodity's requirement, USD.
    public struct CommodityRequirement: Hashable, Sendable {
        public var name: String
        public var scanRisk: Double
        /// Index (0-based) of the scenario of the largest loss.
        public var worstScenario: Int
        public var intraCharge: Double
        public var interCredit: Double
        public var shortOptionMinimum: Double
        public var netDelta: Double
        /// `max(scan + intra − credit, SOM)`, ≥ 0.
        public var requirement: Double

        /// `scan`, `intra`, or `som`: what decides the requirement.
        public var binding: String {
            if shortOptionMinimum > scanRisk + intraCharge - interCredit { return "som" }
            return intraCharge > scanRisk ? "intra" : "scan"
        }
    }

    /// The SPAN requirement of each commodity, with intra-commodity charges and inter-commodity credits.
    public static func requirements(_ exposures: [Exposure], interSpreads: [SpanInterSpread]) -> [CommodityRequirement]
    {
        var out: [CommodityRequirement] = exposures.map { e in
            var worst = 0
            for k in e.array.indices where -e.array[k] > -e.array[worst] { worst = k }
            let scan = max(0, -(e.array.isEmpty ? 0 : e.array[worst]))
            let intra = intraCharge(
                months: e.months, deltas: e.deltas, spreads: e.intraSpreads,
                defaultCharge: e.defaultIntraCharge)
            let net = e.deltas.reduce(0, +)
            return CommodityRequirement(
                name: e.name, scanRisk: scan, worstScenario: worst, intraCharge: intra,
                interCredit: 0, shortOptionMinimum: e.shortOptionMinimum, netDelta: net,
                requirement: 0)
        }
        // Inter-commodity credits on net deltas, in table order.
        var available = out.map(\.netDelta)
        let pricePerDelta = out.map { abs($0.netDelta) > 1e-12 ? $0.scanRisk / abs($0.netDelta) : 0 }
        for s in interSpreads {
            guard let a = out.firstIndex(where: { $0.name == s.commodityA }),
                let b = out.firstIndex(where: { $0.name == s.commodityB }),
                available[a] * available[b] < 0
            else { continue }
            let n = min(abs(available[a]) / s.ratioA, abs(available[b]) / s.ratioB)
            guard n > 0 else { continue }
            out[a].interCredit += s.credit * n * s.ratioA * pricePerDelta[a]
            out[b].interCredit += s.credit * n * s.ratioB * pricePerDelta[b]
            available[a] -= (available[a] > 0 ? 1 : -1) * n * s.ratioA
            available[b] -= (available[b] > 0 ? 1 : -1) * n * s.ratioB
        }
        for i in out.indices {
            let c = out[i]
            out[i].requirement = max(0, c.scanRisk + c.intraCharge - c.interCredit, c.shortOptionMinimum)
        }
        return out
    }

    /// Calendar-spread charge: spreads (one delta long in one month, one short in the other) formed first from the
    /// table in order, then at `defaultCharge` for the remaining month pairs in month order.
    public static func intraCharge(
        months: [String], deltas: [Double], spreads: [SpanIntraSpread],
        defaultCharge: Double
    ) -> Double {
        var d = deltas
        var charge = 0.0
        func pair(_ i: Int, _ j: Int, _ rate: Double) {
            guard d[i] * d[j] < 0 else { return }
            let n = min(abs(d[i]), abs(d[j]))
            charge += n * rate
            d[i] -= (d[i] > 0 ? 1 : -1) * n
            d[j] -= (d[j] > 0 ? 1 : -1) * n
        }
        for s in spreads {
            guard let i = months.firstIndex(of: s.months.0), let j = months.firstIndex(of: s.months.1) else { continue }
            pair(i, j, s.charge)
        }
        if defaultCharge > 0 {
            for i in d.indices {
                for j in d.indices where j > i { pair(i, j, defaultCharge) }
            }
        }
        return charge
    }

    /// SPAN on given arrays (a SPAN file's contracts, spreads and minimums); USD.
    ///
    /// - Throws: ``InputError`` for a position in an unknown contract.
    public func margin(of book: SpanBook) throws(InputError) -> VenueMarginResult {
        // Given arrays carry no price moves: scenarios are known by their SPAN number only.
        let scenarios: [VenueScenario] = []
        var exposures: [Exposure] = []
        for c in book.commodities {
            var e = Exposure(
                name: c.name, array: [Double](repeating: 0, count: SpanRiskArray.scenarioCount), months: [],
                deltas: [], intraSpreads: c.intraSpreads, defaultIntraCharge: c.defaultIntraCharge,
                shortOptionMinimum: 0, positionVectors: [], scenarios: scenarios)
            for (i, p) in book.positions.enumerated() {
                guard let k = c.contracts.first(where: { $0.id == p.contract }) else { continue }
                e.add(
                    pnl: k.riskArray.values, quantity: p.quantity, delta: k.delta, month: k.month, label: k.id,
                    position: i)
                if k.isOption && p.quantity < 0 { e.shortOptionMinimum += -p.quantity * k.shortOptionMinimum }
            }
            if !e.positionVectors.isEmpty { exposures.append(e) }
        }
        for (i, p) in book.positions.enumerated()
        where !book.commodities.contains(where: { $0.contracts.contains { $0.id == p.contract } }) {
            throw InputError.invalid(path: "$.positions[\(i)].contract", reason: "unknown contract \"\(p.contract)\"")
        }
        return result(
            account: book.account, exposures: exposures, interSpreads: book.interSpreads,
            equity: book.equity ?? 0,
            notes: ["risk arrays as given (SPAN scenarios 1–16)"]
                + (book.equity == nil ? ["no equity given: health assumes equity 0"] : []))
    }

    /// SPAN with arrays computed from a crypto book; USD.
    ///
    /// - Throws: ``InputError`` naming the position for unknown underlyings, expired positions or options without a
    ///   vol surface.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> VenueMarginResult {
        try portfolio.validate(against: market)
        var byName: [String: Exposure] = [:]
        func exposure(_ u: UnderlyingMarket) -> Exposure {
            if let e = byName[u.name] { return e }
            let spec = spec(underlying: u.name)
            return Exposure(
                name: u.name, array: [Double](repeating: 0, count: spec.scenarios.count), months: [],
                deltas: [], intraSpreads: [], defaultIntraCharge: parameters.intraSpreadRate * u.index,
                shortOptionMinimum: 0, positionVectors: [], scenarios: spec.scenarios)
        }
        for (currency, amount) in portfolio.sortedBalances where !Portfolio.stablecoins.contains(currency) {
            guard let u = market.underlyings[currency] else { continue }
            var e = exposure(u)
            let engine = VenueScenarioEngine(spec: spec(underlying: u.name), currency: .usd)
            e.add(
                pnl: engine.spotUnitPnL(index: u.index), quantity: amount, delta: 1, month: "SPOT",
                label: "balance \(currency)", position: nil)
            byName[currency] = e
        }
        for (i, p) in portfolio.positions.enumerated() {
            guard let u = market.underlyings[p.instrument.underlying] else { continue }
            var e = exposure(u)
            let engine = VenueScenarioEngine(spec: spec(underlying: u.name), currency: .usd)
            do {
                let pnl = try engine.unitPnL(of: p.instrument, market: u)
                let delta = try InstrumentValuation(instrument: p.instrument, market: u).greeks.delta
                let month = p.instrument.expiry.map { String($0.iso8601.prefix(10)) } ?? "PERP"
                e.add(
                    pnl: pnl, quantity: p.size, delta: delta, month: month, label: p.instrument.description,
                    position: i)
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
            if p.instrument.option != nil && p.size < 0 {
                e.shortOptionMinimum += -p.size * parameters.shortOptionMinimumRate * u.index
            }
            byName[u.name] = e
        }
        let exposures = byName.keys.sorted().compactMap { byName[$0] }
        return result(
            account: portfolio.account, exposures: exposures, interSpreads: parameters.interSpreads,
            equity: try VenueEquity.usd(of: portfolio, market: market), notes: [])
    }

    /// The 16-scenario specification of `underlying`: its scan range, the vol scan range, one-day look-ahead.
    public func spec(underlying: String) -> VenueScenarioSpec {
        VenueScenarioSpec(
            scenarios: VenueScenarioSpec.spanScenarios(
                scanRange: parameters.scanRange(underlying),
                extremeMultiple: parameters.extremeMultiple,
                coverage: parameters.extremeCoverage,
                timeShiftDays: parameters.lookAheadDays),
            volShock: .relative(up: parameters.volScanRange, down: parameters.volScanRange),
            minVol: parameters.minVol,
            relation: MarginRelation(initial: parameters.initialToMaintenance, maintenance: 1))
    }

    private func result(
        account: String, exposures: [Exposure], interSpreads: [SpanInterSpread], equity: Double,
        notes: [String]
    ) -> VenueMarginResult {
        let reqs = Self.requirements(exposures, interSpreads: interSpreads)
        var units: [VenueRiskUnit] = []
        var mm = 0.0
        for (e, r) in zip(exposures, reqs) {
            mm += r.requirement
            units.append(
                VenueRiskUnit(
                    name: r.name, currency: "USD", currencyUSD: 1,
                    components: [
                        VenueComponent("scan", r.scanRisk, "largest loss of the summed 16-scenario array"),
                        VenueComponent("intra", r.intraCharge, "intra-commodity (calendar) spread charge"),
                        VenueComponent("inter_credit", r.interCredit, "inter-commodity spread credit (subtracted)"),
                        VenueComponent("som", r.shortOptionMinimum, "short-option minimum"),
                        VenueComponent("requirement", r.requirement, "max(scan + intra − inter_credit, som)"),
                    ],
                    binding: r.binding,
                    initialMargin: parameters.initialToMaintenance * r.requirement,
                    maintenanceMargin: r.requirement,
                    scenarios: e.scenarios, worstScenario: r.worstScenario, riskVector: e.array,
                    positionVectors: e.positionVectors))
        }
        let im = parameters.initialToMaintenance * mm
        let pool = VenuePool(
            currency: "USD", currencyUSD: 1, initialMargin: im, maintenanceMargin: mm, equity: equity,
            health: Health(
                equity: equity, initialMargin: im, maintenanceMargin: mm,
                takeoverRatio: parameters.takeoverRatio))
        return VenueMarginResult.combining(
            preset: "span", account: account, pools: [pool], units: units,
            approximations: Self.approximations, notes: notes)
    }

    /// What this preset assumes.
    public static let approximations: [VenueApproximation] = [
        VenueApproximation(
            "span.cryptoParameters", .assumption,
            "computed arrays use this project's scan ranges (BTC 25%, ETH 30%), vol range 25%, "
                + "short-option minimum 0.5% and calendar charge 1% of the index per coin: CME publishes "
                + "its own per contract in SPAN files"),
        VenueApproximation(
            "span.interCredit", .assumption,
            "outright margin per delta = the commodity's scan risk / |net delta| (time and vol risk "
                + "not separated); spreads formed in table order on net deltas, legs in opposite directions"),
        VenueApproximation(
            "span.intraCharge", .assumption,
            "calendar spreads formed on net deltas per month: table pairs in order, then the default "
                + "charge for the remaining pairs; option deltas are Black-76 deltas (coins), or a SPAN "
                + "file's composite delta (0 when absent)"),
        VenueApproximation("span.initialMargin", .assumption, "IM = 1.1 × MM (CME's ratio for speculative accounts)"),
    ]
}
