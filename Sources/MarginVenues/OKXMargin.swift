import MarginCore

/// OKX's portfolio margin (VENUE_PRESETS.md), per risk unit (underlying; spot balances included), USD:
/// `MR = max(MR1, MR2, MR6) + MR3 + MR4 + MR5`, `MMR = max(MR, MR7 adjusted)`, `IMR = 1.3 · MMR`; the account sums
/// its units.
///
/// - MR1 price and vol shock: the largest loss over the price moves × vol down/same/up.
/// - MR2 time decay: the loss after `thetaDays` at unchanged price and vol (assumption).
/// - MR3 vega term structure: `factor · (Σ_T |L_T| − |Σ_T L_T|)`, `L_T` the vega P&L of expiry T's own vol-up shock
///   (assumption: the non-parallel part of the vol shock, zero for a single expiry).
/// - MR4 basis: `Σ_expiries |net coins| · S · (e^{a·T} − 1)`, perpetuals 0 (assumption: Deribit's roll formula).
/// - MR5 interest rate: `|Σ rho| · rateShock` (assumption).
/// - MR6 extreme move: the covered fraction of the largest loss at ±extreme move, vol unchanged.
/// - MR7 minimum charge: a raw charge on notionals (assumption), adjusted band by band (published bands).
public struct OKXMargin: Sendable {
    public let parameters: OKXParameters

    public init(parameters: OKXParameters = .defaults) {
        self.parameters = parameters
    }

    /// The charges of one risk unit, USD (each ≥ 0).
    public struct Charges: Hashable, Sendable {
        public var mr1: Double
        public var mr2: Double
        public var mr3: Double
        public var mr4: Double
        public var mr5: Double
        public var mr6: Double
        /// MR7 before the bands.
        public var mr7Raw: Double

        public init(
            mr1: Double = 0, mr2: Double = 0, mr3: Double = 0, mr4: Double = 0, mr5: Double = 0,
            mr6: Double = 0, mr7Raw: Double = 0
        ) {
            self.mr1 = mr1
            self.mr2 = mr2
            self.mr3 = mr3
            self.mr4 = mr4
            self.mr5 = mr5
            self.mr6 = mr6
            self.mr7Raw = mr7Raw
        }
    }

    /// A unit's aggregation, USD.
    public struct Aggregate: Hashable, Sendable {
        /// `max(MR1, MR2, MR6) + MR3 + MR4 + MR5`.
        public var mr: Double
        public var mr7Adjusted: Double
        /// `max(MR, MR7 adjusted)`.
        public var mmr: Double
        public var imr: Double
        /// `MR7`, or the largest of `MR1`, `MR2`, `MR6` (first on ties).
        public var binding: String
    }

    /// OKX's aggregation of a unit's charges with MR7 `bands` and `IMR = imrMultiplier · MMR`.
    public static func aggregate(_ c: Charges, bands: [OKXChargeBand], imrMultiplier: Double = 1.3) -> Aggregate {
        let core = max(c.mr1, c.mr2, c.mr6)
        let mr = core + c.mr3 + c.mr4 + c.mr5
        let mr7 = OKXChargeBand.adjusted(c.mr7Raw, bands: bands)
        let mmr = max(mr, mr7)
        let binding: String
        if mr7 > mr {
            binding = "MR7"
        } else {
            binding = c.mr1 >= c.mr2 && c.mr1 >= c.mr6 ? "MR1" : c.mr2 >= c.mr6 ? "MR2" : "MR6"
        }
        return Aggregate(mr: mr, mr7Adjusted: mr7, mmr: mmr, imr: imrMultiplier * mmr, binding: binding)
    }

    /// The scenarios of `underlying`: MR1's grid, then MR6's two extreme moves, then MR2's time-decay scenario.
    public func spec(underlying: String) -> VenueScenarioSpec {
        let unit = parameters.unit(underlying)
        var moves: [Double] = []
        for m in unit.priceMoves.sorted().reversed() where m > 0 { moves.append(-m) }
        moves.append(0)
        for m in unit.priceMoves.sorted() where m > 0 { moves.append(m) }
        var scenarios = VenueScenarioSpec.moves(moves, vols: [.down, .same, .up])
        scenarios += VenueScenarioSpec.moves(
            [-unit.extremeMove, unit.extremeMove], vols: [.same],
            weight: .fraction(parameters.extremeCoverage), table: .extended)
        scenarios.append(VenueScenario(priceMove: 0, vol: .same, timeShiftDays: parameters.thetaDays))
        return VenueScenarioSpec(
            scenarios: scenarios,
            volShock: .termScaled(
                up: parameters.volShockUp, down: parameters.volShockDown, shortPower: 0.30,
                longPower: 0.13, pivotDays: 30, minVolUp: 0),
            minVol: parameters.minVol,
            roll: .annualisedMove(rate: unit.basisAnnualisedMove, minimum: 0, perpetual: 0),
            relation: MarginRelation(initial: parameters.initialToMaintenance, maintenance: 1))
    }

    /// The margin of `portfolio`, USD.
    ///
    /// - Throws: ``InputError`` naming the position for unknown underlyings, expired positions or options without a
    ///   vol surface.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> VenueMarginResult {
        try portfolio.validate(against: market)
        var names = Set(portfolio.positions.map(\.instrument.underlying))
        for (c, _) in portfolio.sortedBalances where market.underlyings[c] != nil { names.insert(c) }
        var units: [VenueRiskUnit] = []
        for name in names.sorted() {
            guard let u = market.underlyings[name] else { continue }
            units.append(try unit(u, portfolio: portfolio))
        }
        var im = 0.0
        var mm = 0.0
        for u in units {
            im += u.initialMargin
            mm += u.maintenanceMargin
        }
        let equity = try VenueEquity.usd(of: portfolio, market: market)
        let pool = VenuePool(
            currency: "USD", currencyUSD: 1, initialMargin: im, maintenanceMargin: mm, equity: equity,
            health: Health(
                equity: equity, initialMargin: im, maintenanceMargin: mm,
                takeoverRatio: parameters.takeoverRatio))
        return VenueMarginResult.combining(
            preset: "okx", account: portfolio.account, pools: [pool], units: units,
            approximations: Self.approximations)
    }

    func unit(_ u: UnderlyingMarket, portfolio: Portfolio) throws(InputError) -> VenueRiskUnit {
        let spec = spec(underlying: u.name)
        let engine = VenueScenarioEngine(spec: spec, currency: .usd)
        let s = u.index
        var summed = [Double](repeating: 0, count: spec.scenarios.count)
        var vectors: [VenuePositionVector] = []
        func add(_ pnl: [Double], label: String, position: Int?) {
            for k in summed.indices { summed[k] += pnl[k] }
            vectors.append(VenuePositionVector(label: label, position: position, pnl: pnl))
        }
        if let amount = portfolio.balances[u.name] {
            add(engine.spotUnitPnL(index: s).map { $0 * amount }, label: "balance \(u.name)", position: nil)
        }
        var members: [Position] = []
        var vegaLossByExpiry: [Instant: Double] = [:]
        var expiryOrder: [Instant] = []
        var rho = 0.0
        var raw = 0.0
        for (i, p) in portfolio.positions.enumerated() where p.instrument.underlying == u.name {
            members.append(p)
            do {
                add(
                    try engine.unitPnL(of: p.instrument, market: u).map { $0 * p.size },
                    label: p.instrument.description,
                    position: i)
                let v = try InstrumentValuation(instrument: p.instrument, market: u)
                rho += v.greeks.rho * p.size
                if let c = p.instrument.option {
                    let sigma = v.vol ?? 0
                    let up = spec.volShock.vol(.up, sigma: sigma, daysToExpiry: v.years * 365)
                    if vegaLossByExpiry[c.expiry] == nil { expiryOrder.append(c.expiry) }
                    vegaLossByExpiry[c.expiry, default: 0] += v.greeks.vega * p.size * (up - sigma)
                    raw +=
                        abs(p.size) * s
                        * (p.size < 0
                            ? parameters.minimumChargeShortOptionRate
                            : parameters.minimumChargeLongOptionRate)
                } else {
                    let notional = p.instrument.isSizedByNotional ? abs(p.size) : abs(p.size) * v.forward
                    raw += notional * parameters.minimumChargeFuturesRate
                }
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
        }
        let outcome = engine.outcome(summed: summed, index: s)
        let mr1Count = spec.scenarios.count - 3
        func worstLoss(_ range: Range<Int>) -> Double {
            var loss = 0.0
            for k in range { loss = max(loss, -outcome.pnl[k]) }
            return loss
        }
        var sumAbs = 0.0
        var sum = 0.0
        for e in expiryOrder {
            let l = vegaLossByExpiry[e] ?? 0
            sumAbs += abs(l)
            sum += l
        }
        let charges = Charges(
            mr1: worstLoss(0..<mr1Count),
            mr2: worstLoss(spec.scenarios.count - 1..<spec.scenarios.count),
            mr3: parameters.vegaTermFactor * max(0, sumAbs - abs(sum)),
            mr4: try engine.rollCharge(positions: members, market: u),
            mr5: abs(rho) * parameters.rateShock,
            mr6: worstLoss(mr1Count..<spec.scenarios.count - 1),
            mr7Raw: raw)
        let bands = parameters.unit(u.name).minimumChargeBands
        let agg = Self.aggregate(charges, bands: bands, imrMultiplier: parameters.initialToMaintenance)
        var worst = 0
        for k in 0..<spec.scenarios.count where -outcome.pnl[k] > -outcome.pnl[worst] { worst = k }
        return VenueRiskUnit(
            name: u.name, currency: "USD", currencyUSD: 1,
            components: [
                VenueComponent("MR1", charges.mr1, "price and vol shock"),
                VenueComponent("MR2", charges.mr2, "time decay (assumption)"),
                VenueComponent("MR3", charges.mr3, "vega term structure (assumption)"),
                VenueComponent("MR4", charges.mr4, "basis risk"),
                VenueComponent("MR5", charges.mr5, "interest rate (assumption)"),
                VenueComponent("MR6", charges.mr6, "extreme move"),
                VenueComponent("MR7_raw", charges.mr7Raw, "raw minimum charge (assumption)"),
                VenueComponent("MR7", agg.mr7Adjusted, "minimum charge after the tier bands"),
                VenueComponent("MR", agg.mr, "max(MR1, MR2, MR6) + MR3 + MR4 + MR5"),
                VenueComponent("MMR", agg.mmr, "max(MR, MR7)"),
            ],
            binding: agg.binding,
            initialMargin: agg.imr,
            maintenanceMargin: agg.mmr,
            scenarios: spec.scenarios, worstScenario: worst, riskVector: outcome.pnl, positionVectors: vectors)
    }

    /// What this preset assumes.
    public static let approximations: [VenueApproximation] = [
        VenueApproximation(
            "okx.volShock", .assumption,
            "MR1 vol shocks ±25% relative, scaled by (30/max(DTE,1))^p as Deribit's (not published)"),
        VenueApproximation("okx.mr2", .assumption, "MR2 = loss after 1 day at unchanged price and vol"),
        VenueApproximation(
            "okx.mr3", .assumption,
            "MR3 = 0.5 · (Σ_T |L_T| − |Σ_T L_T|), L_T the vega P&L of expiry T's vol-up shock"),
        VenueApproximation(
            "okx.mr4", .assumption,
            "MR4 = Σ_expiries |net coins|·S·(e^{a·T} − 1), a = 5%/15%/30% by tier; perpetuals 0"),
        VenueApproximation("okx.mr5", .assumption, "MR5 = |Σ rho| × 1% rate shock"),
        VenueApproximation("okx.mr6", .assumption, "MR6 counts 1/3 of the loss at ±24%/36%/50% (vol unchanged)"),
        VenueApproximation(
            "okx.mr7Raw", .assumption,
            "MR7 raw = 0.1% of futures notional + 0.5% of short options' underlying notional; "
                + "BTC/ETH's bands for every underlying"),
    ]
}
