import MarginCore

/// Deribit's segregated portfolio margin (S:PM, 2024 model; VENUE_PRESETS.md).
///
/// Each settlement currency is its own pool and every figure of a pool is in that currency: inverse contracts of
/// BTC margin in BTC, of ETH in ETH; linear (USDC-settled) contracts in USDC. Within a pool, each underlying is a
/// risk unit (Deribit's currency pair, no correlation offsets):
///
/// - `worst_case`: the largest loss of the aggregated, adjusted P&L over the standard grid (`2·b+1` moves over
///   [−r, r] × vol up/same/down) and the extended table (vol up only, scaled by `(r/|m|)(1+m)/(1+sign(m)·r)`,
///   losses dampened), gains × `pnl_offset`;
/// - `roll_shock`: `Σ_expiries |net position| · max(min_annualised_move, e^{annualised_move_risk·T} − 1)`;
/// - `delta_shock` (approximation): 0 below the USD threshold;
/// - `risk_matrix_margin = worst_case + delta_shock + roll_shock`; `IM = risk_matrix_margin`,
///   `MM = mm_factor · risk_matrix_margin`.
///
/// Open-order and MMP margin are out of scope. A coin balance is equity of its pool, not risk.
public struct DeribitMargin: Sendable {
    public let parameters: DeribitParameters

    public init(parameters: DeribitParameters = .published) {
        self.parameters = parameters
    }

    /// The pool a contract margins in: its underlying coin when inverse, `USDC` when linear.
    public static func pool(of instrument: Instrument) -> String {
        instrument.settlement == .inverse ? instrument.underlying : "USDC"
    }

    /// The scenario specification of `underlying` in pool `pool`.
    public func spec(underlying: String, pool: String) -> VenueScenarioSpec {
        let pair = parameters.pair(underlying)
        let currency = parameters.currency(pool)
        var scenarios = VenueScenarioSpec.grid(range: pair.priceRange, buckets: pair.bucketsCount)
        scenarios += VenueScenarioSpec.moves(
            pair.extendedMoves, vols: [.up],
            weight: .deribitExtended(
                factor: pair.extendedTableFactor, range: pair.priceRange,
                dampenerUSD: currency.extendedDampenerUSD),
            table: .extended)
        return VenueScenarioSpec(
            scenarios: scenarios,
            volShock: .termScaled(
                up: pair.volatilityRangeUp, down: pair.volatilityRangeDown,
                shortPower: pair.shortTermVegaPower, longPower: pair.longTermVegaPower, pivotDays: 30,
                minVolUp: pair.minVolatilityForShockUp),
            minVol: 0,
            gainMultiplier: currency.pnlOffset,
            roll: .annualisedMove(
                rate: currency.annualisedMoveRisk, minimum: currency.minAnnualisedMove,
                perpetual: currency.minAnnualisedMove),
            relation: MarginRelation(initial: 1, maintenance: parameters.mmFactor))
    }

    /// The margin of `portfolio`, per pool in the pool's currency.
    ///
    /// - Throws: ``InputError`` naming the position for unknown underlyings, expired positions or options without
    ///   a vol surface.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> VenueMarginResult {
        try portfolio.validate(against: market)
        // Positions by (pool, underlying), in a fixed order.
        var groups: [String: [(index: Int, position: Position)]] = [:]
        for (i, p) in portfolio.positions.enumerated() {
            groups["\(Self.pool(of: p.instrument))|\(p.instrument.underlying)", default: []].append((i, p))
        }
        var units: [VenueRiskUnit] = []
        for key in groups.keys.sorted() {
            guard let members = groups[key], let first = members.first else { continue }
            let pool = Self.pool(of: first.position.instrument)
            let name = first.position.instrument.underlying
            guard let u = market.underlyings[name] else { continue }
            units.append(try unit(pool: pool, market: u, members: members))
        }
        let pools = try self.pools(portfolio: portfolio, market: market, units: units)
        return VenueMarginResult.combining(
            preset: "deribit", account: portfolio.account, pools: pools, units: units,
            approximations: DeribitMargin.approximations)
    }

    /// One risk unit: the positions of one underlying in one pool.
    func unit(pool: String, market u: UnderlyingMarket, members: [(index: Int, position: Position)])
        throws(InputError) -> VenueRiskUnit
    {
        let coin = pool != "USDC"
        let spec = spec(underlying: u.name, pool: pool)
        let engine = VenueScenarioEngine(spec: spec, currency: coin ? .coin : .usd)
        var summed = [Double](repeating: 0, count: spec.scenarios.count)
        var vectors: [VenuePositionVector] = []
        var deltaCoins = 0.0
        for (i, p) in members {
            do {
                let unitPnL = try engine.unitPnL(of: p.instrument, market: u)
                let pnl = unitPnL.map { $0 * p.size }
                for k in summed.indices { summed[k] += pnl[k] }
                vectors.append(VenuePositionVector(label: p.instrument.description, position: i, pnl: pnl))
                deltaCoins += try InstrumentValuation(instrument: p.instrument, market: u).greeks.delta * p.size
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
        }
        let outcome = engine.outcome(summed: summed, index: u.index)
        let roll = try engine.rollCharge(positions: members.map(\.position), market: u)
        let pair = parameters.pair(u.name)
        let s = u.index
        var deltaShock = 0.0
        let exposure = abs(deltaCoins * s)
        if exposure > pair.deltaShockThresholdUSD {
            // In coin: min(m_inc·(|Δ·S| − threshold)·|Δ|, max_delta_shock·|Δ|·S)/S; a USD pool multiplies back by S.
            let shockCoin =
                min(
                    pair.deltaShockIncrement * (exposure - pair.deltaShockThresholdUSD) * abs(deltaCoins),
                    pair.maxDeltaShock * abs(deltaCoins) * s) / s
            deltaShock = coin ? shockCoin : shockCoin * s
        }
        let worst = outcome.worstLoss
        let step = parameters.worstCaseRounding
        let worstRounded = step > 0 ? (worst / step).rounded() * step : worst
        let riskMatrixMargin = worstRounded + deltaShock + roll
        let worstScenario = spec.scenarios[outcome.worstScenario]
        let binding: String
        if worstRounded >= roll && worstRounded >= deltaShock {
            binding = "worst_case (\(worstScenario.table.rawValue))"
        } else {
            binding = roll >= deltaShock ? "roll_shock" : "delta_shock"
        }
        return VenueRiskUnit(
            name: coin ? u.name : "\(u.name)/USDC",
            currency: pool,
            currencyUSD: coin ? s : 1,
            components: [
                VenueComponent("worst_case", worst, "largest loss over the standard and extended cells"),
                VenueComponent("delta_shock", deltaShock, "charge on |delta·S| above the threshold (approximation)"),
                VenueComponent("roll_shock", roll, "Σ |net position per expiry| · max(min move, e^{a·T} − 1)"),
                VenueComponent(
                    "risk_matrix_margin", riskMatrixMargin,
                    "worst_case (rounded to \(step) \(pool)) + delta_shock + roll_shock"),
            ],
            binding: binding,
            initialMargin: spec.relation.initial * riskMatrixMargin,
            maintenanceMargin: spec.relation.maintenance * riskMatrixMargin,
            scenarios: spec.scenarios,
            worstScenario: outcome.worstScenario,
            riskVector: outcome.pnl,
            positionVectors: vectors)
    }

    /// Every pool with units or a balance: requirement, equity (pool currency) and health.
    func pools(portfolio: Portfolio, market: MarketSnapshot, units: [VenueRiskUnit]) throws(InputError) -> [VenuePool] {
        var equity: [String: Double] = [:]
        var price: [String: Double] = ["USDC": 1]
        for (currency, amount) in portfolio.sortedBalances {
            let pool = Portfolio.stablecoins.contains(currency) ? "USDC" : currency
            equity[pool, default: 0] += amount
            if let s = market.underlyings[currency]?.index { price[currency] = s }
        }
        for (i, p) in portfolio.positions.enumerated() {
            guard let u = market.underlyings[p.instrument.underlying] else { continue }
            let pool = Self.pool(of: p.instrument)
            price[pool] = pool == "USDC" ? 1 : u.index
            let v: InstrumentValuation
            do {
                v = try InstrumentValuation(instrument: p.instrument, market: u)
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
            var value = 0.0
            if p.instrument.option != nil {
                value = p.size * (pool == "USDC" ? v.valueUSD : v.valueCoin ?? v.valueUSD / u.index)
            } else if let entry = p.entryPrice {
                // The pool's currency: USD for linear instruments, the coin for inverse ones (``Equity``'s coin form).
                value =
                    p.instrument.settlement == .linear
                    ? Equity.future(size: p.size, entry: entry, forward: v.forward, index: u.index, linear: true)
                    : Equity.inverseFutureCoins(size: p.size, entry: entry, forward: v.forward)
            }
            equity[pool, default: 0] += value
        }
        var names = Set(equity.keys)
        for u in units { names.insert(u.currency) }
        return names.sorted().map { name in
            var im = 0.0
            var mm = 0.0
            for u in units where u.currency == name {
                im += u.initialMargin
                mm += u.maintenanceMargin
            }
            let e = equity[name] ?? 0
            return VenuePool(
                currency: name, currencyUSD: price[name] ?? 1, initialMargin: im, maintenanceMargin: mm,
                equity: e,
                health: Health(
                    equity: e, initialMargin: im, maintenanceMargin: mm,
                    takeoverRatio: parameters.takeoverRatio))
        }
    }

    /// What this preset approximates or assumes.
    public static let approximations: [VenueApproximation] = [
        VenueApproximation(
            "deribit.volShock", .approximation,
            "vol shocks σ_up = max(min_volatility_for_shock_up, σ(1 + up·(30/max(DTE,1))^p)), "
                + "σ_down = σ·max(0, 1 − down·(30/max(DTE,1))^p), p = 0.30 if DTE ≤ 30 else 0.13"),
        VenueApproximation(
            "deribit.dampener", .approximation,
            "extended-table dampener |adj| −= min((|m|/r − 1)·dampener/((1+sign(m)·r)·S), |adj|)"),
        VenueApproximation(
            "deribit.deltaShock", .approximation,
            "delta shock min(m_inc·(|Δ·S| − threshold)·|Δ|, 0.1·|Δ|·S)/S above the USD threshold, "
                + "Δ = the unit's USD delta in coins"),
        VenueApproximation(
            "deribit.worstCaseRounding", .assumption,
            "worst_case enters risk_matrix_margin rounded to 1e-9 coin, as Deribit's published example "
                + "implies (0.05968587238095239 + 0.00315725898 = 0.06284313098)"),
        VenueApproximation(
            "deribit.rollOptions", .assumption,
            "options enter the roll shock's net position per expiry at their forward delta (coins)"),
        VenueApproximation(
            "deribit.outOfScope", .assumption,
            "open-order, MMP and spot margin are not computed; pools are margined separately (S:PM)"),
        VenueApproximation(
            "deribit.otherUnderlyings", .assumption,
            "underlyings and pools without published parameters use ETH's (the wider range)"),
    ]
}
