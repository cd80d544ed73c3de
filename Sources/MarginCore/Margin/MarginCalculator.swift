/// An instrument's cached risk array and the account's size in it (coins, or USD notional for inverse futures).
///
/// Holds only what aggregation reads (the P&L vector and two per-unit charges), so that iterating holdings copies
/// one array reference, not a whole ``InstrumentRiskArray``.
public struct Holding: Sendable {
    /// USD P&L per unit per scenario (the instrument array's `pnl`).
    public var pnl: [Double]
    public var underlying: String
    public var liquidationCostPerUnit: Double
    public var shortOptionMinimumPerUnit: Double
    /// Coins, or USD notional for inverse futures and perpetuals.
    public var size: Double

    public init(array: InstrumentRiskArray, size: Double) {
        pnl = array.pnl
        underlying = array.instrument.underlying
        liquidationCostPerUnit = array.liquidationCostPerUnit
        shortOptionMinimumPerUnit = array.shortOptionMinimumPerUnit
        self.size = size
    }
}

/// The reference portfolio-margin model of MARGIN_MODEL.md.
///
/// Two steps, kept apart so the real-time engine can cache the first:
/// 1. ``instrumentArrays(for:market:)``: every instrument revalued once over the scenario set.
/// 2. ``riskArrays(for:market:arrays:)`` + ``requirement(_:correlations:)``: per account, a quantity-weighted sum
///    of cached arrays and the components; nothing is repriced.
///
/// ``margin(of:market:explain:)`` runs both and explains the result. All amounts are USD, computed in `Double`
/// (scenario revaluation); the same inputs give bit-identical results (fixed summation order: positions as given,
/// underlyings and balances by name).
public struct MarginCalculator: Sendable {
    public let parameters: RiskParameters
    public let scenarios: ScenarioSet
    /// `correlated` mode's admissible joint moves per correlation model, built on first use and shared by every
    /// account (and every copy of this calculator). Never changes a result, only how fast it comes.
    public let correlatedGrids: CorrelatedGridCache

    /// A calculator for `parameters`; `correlatedGrids` is a new cache unless one is handed in to share.
    public init(parameters: RiskParameters = .reference, correlatedGrids: CorrelatedGridCache = CorrelatedGridCache()) {
        self.parameters = parameters
        scenarios = ScenarioSet(parameters: parameters)
        self.correlatedGrids = correlatedGrids
    }

    /// Step 1: the risk array of every distinct instrument of `portfolio`.
    public func instrumentArrays(for portfolio: Portfolio, market: MarketSnapshot) throws(InputError)
        -> [Instrument: InstrumentRiskArray]
    {
        try resolve(portfolio, market: market).arrays
    }

    /// Step 1 with every position's array resolved in position order (one hash look-up per position).
    func resolve(_ portfolio: Portfolio, market: MarketSnapshot) throws(InputError)
        -> (arrays: [Instrument: InstrumentRiskArray], perPosition: [InstrumentRiskArray])
    {
        try portfolio.validate(against: market)
        var arrays: [Instrument: InstrumentRiskArray] = [:]
        arrays.reserveCapacity(portfolio.positions.count)
        var perPosition: [InstrumentRiskArray] = []
        perPosition.reserveCapacity(portfolio.positions.count)
        for (i, p) in portfolio.positions.enumerated() {
            if let known = arrays[p.instrument] {
                perPosition.append(known)
                continue
            }
            guard let u = market.underlyings[p.instrument.underlying] else {
                throw InputError.unknownUnderlying(path: "$.positions[\(i)].underlying", name: p.instrument.underlying)
            }
            do {
                let array = try InstrumentRiskArray(instrument: p.instrument, market: u, scenarios: scenarios,
                                                    parameters: parameters)
                arrays[p.instrument] = array
                perPosition.append(array)
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
        }
        return (arrays, perPosition)
    }

    /// Step 2a: the account's risk array per underlying (positions and coin balances), sorted by underlying.
    ///
    /// - Parameter excluding: a position index to leave out (for marginal contributions).
    public func riskArrays(for portfolio: Portfolio, market: MarketSnapshot,
                           arrays: [Instrument: InstrumentRiskArray], excluding: Int? = nil) -> [RiskArray] {
        var holdings: [Holding] = []
        holdings.reserveCapacity(portfolio.positions.count)
        for (i, p) in portfolio.positions.enumerated() where i != excluding {
            if let array = arrays[p.instrument] { holdings.append(Holding(array: array, size: p.size)) }
        }
        return riskArrays(holdings: holdings, spot: spotHoldings(of: portfolio, market: market))
    }

    /// The non-stablecoin balances with their index, sorted by coin.
    func spotHoldings(of portfolio: Portfolio, market: MarketSnapshot) -> [(coin: String, amount: Double, index: Double)] {
        portfolio.sortedBalances.compactMap { currency, amount in
            guard !Portfolio.stablecoins.contains(currency), let u = market.underlyings[currency] else { return nil }
            return (currency, amount, u.index)
        }
    }

    /// Step 2a, for callers that keep instrument arrays themselves (the engine, benchmarks): the risk arrays of
    /// pre-resolved holdings, grouped by underlying and sorted by name. No dictionary look-up per position.
    ///
    /// - Parameters:
    ///   - holdings: instrument arrays with their sizes, in the account's position order.
    ///   - spot: non-stablecoin balances: coin, amount (coins) and index (USD per coin).
    public func riskArrays(holdings: [Holding], spot: [(coin: String, amount: Double, index: Double)] = []) -> [RiskArray] {
        var arrays: [RiskArray] = []
        var last = 0
        func slot(_ name: String) -> Int {
            if last < arrays.count, arrays[last].underlying == name { return last }
            if let k = arrays.firstIndex(where: { $0.underlying == name }) {
                last = k
                return k
            }
            arrays.append(RiskArray(underlying: name, scenarios: scenarios))
            last = arrays.count - 1
            return last
        }
        for b in spot where !Portfolio.stablecoins.contains(b.coin) {
            arrays[slot(b.coin)].addPnL(InstrumentRiskArray.spotPnL(index: b.index, scenarios: scenarios), size: b.amount)
        }
        for h in holdings { arrays[slot(h.underlying)].add(h) }
        if arrays.count > 1 { arrays.sort { $0.underlying < $1.underlying } }
        return arrays
    }

    /// Step 2b: components, core, MM and IM from per-underlying risk arrays.
    ///
    /// - Throws: ``InputError`` in `correlated` mode when the correlation matrix is not positive definite.
    public func requirement(_ arrays: [RiskArray], correlations: CorrelationTable) throws(InputError) -> Requirement {
        let p = parameters
        let components = arrays.map { ra in
            UnderlyingRequirement(underlying: ra.underlying, scan: ra.scan, extreme: ra.extreme(coverage: p.extremeCoverage),
                                  som: ra.shortOptionMinimum, roll: ra.roll, liquidationCost: ra.liquidationCost)
        }
        var core = 0.0
        var joint: Double?
        var jointMove: [String: Int]?
        switch p.correlationMode {
        case .sum:
            for c in components { core += c.core }
        case .correlated:
            let (j, moves) = try correlatedJoint(arrays, components: components, correlations: correlations)
            joint = j
            jointMove = moves
            var extremes = 0.0
            var soms = 0.0
            for c in components {
                extremes += c.extreme
                soms += c.som
            }
            core = max(j, extremes, soms)
        }
        var mm = core
        for c in components { mm += c.roll }
        for c in components { mm += c.liquidationCost }
        return Requirement(underlyings: components, mode: p.correlationMode, core: core, joint: joint,
                           jointMove: jointMove, maintenanceMargin: mm, initialMargin: p.initialToMaintenance * mm)
    }

    /// Equity, USD: balances at the index (stablecoins at 1), option values, and the unrealized P&L of futures and
    /// perpetuals that carry an entry price.
    public func equity(of portfolio: Portfolio, market: MarketSnapshot, arrays: [Instrument: InstrumentRiskArray]) -> Double {
        var equity = Equity.balances(of: portfolio, market: market)
        for p in portfolio.positions {
            equity += positionValue(p, market: market, arrays: arrays)
        }
        return equity
    }

    /// A position's contribution to equity, USD.
    func positionValue(_ p: Position, market: MarketSnapshot, arrays: [Instrument: InstrumentRiskArray]) -> Double {
        guard let array = arrays[p.instrument] else { return 0 }
        return positionValue(p, array: array, market: market)
    }

    /// A position's contribution to equity, USD, from its instrument's array.
    func positionValue(_ p: Position, array: InstrumentRiskArray, market: MarketSnapshot) -> Double {
        if p.instrument.option != nil { return p.size * array.valuation.valueUSD }
        guard let u = market.underlyings[p.instrument.underlying] else { return 0 }
        return Equity.position(p.instrument, size: p.size, entry: p.entryPrice, valueUSD: array.valuation.valueUSD,
                               forward: array.valuation.forward, index: u.index)
    }

    /// Computes, classifies and (when `explain`) explains the margin of `portfolio`.
    ///
    /// - Throws: ``InputError`` naming the position and field for unknown underlyings, expired positions, options
    ///   without a vol surface, unknown balance currencies, or a non-positive-definite correlation matrix.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot, explain: Bool = true) throws(InputError)
        -> MarginReport
    {
        let (arrays, perPosition) = try resolve(portfolio, market: market)
        return try margin(of: portfolio, market: market, arrays: arrays, perPosition: perPosition, explain: explain)
    }

    /// As ``margin(of:market:explain:)`` with instrument arrays already computed.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot, arrays: [Instrument: InstrumentRiskArray],
                       explain: Bool) throws(InputError) -> MarginReport {
        let perPosition = portfolio.positions.compactMap { arrays[$0.instrument] }
        guard perPosition.count == portfolio.positions.count else {
            let i = portfolio.positions.firstIndex { arrays[$0.instrument] == nil } ?? 0
            throw InputError.invalid(path: "$.positions[\(i)]", reason: "no risk array was computed for this instrument")
        }
        return try margin(of: portfolio, market: market, arrays: arrays, perPosition: perPosition, explain: explain)
    }

    func margin(of portfolio: Portfolio, market: MarketSnapshot, arrays: [Instrument: InstrumentRiskArray],
                perPosition: [InstrumentRiskArray], explain: Bool) throws(InputError) -> MarginReport {
        var holdings: [Holding] = []
        holdings.reserveCapacity(portfolio.positions.count)
        var equity = Equity.balances(of: portfolio, market: market)
        for (p, array) in zip(portfolio.positions, perPosition) {
            holdings.append(Holding(array: array, size: p.size))
            equity += positionValue(p, array: array, market: market)
        }
        let spot = spotHoldings(of: portfolio, market: market)
        let riskArrays = riskArrays(holdings: holdings, spot: spot)
        let requirement = try requirement(riskArrays, correlations: market.correlations)
        var marginal: [Double]?
        if explain {
            // MM without each position in turn: the same summation order with one holding left out.
            var contributions: [Double] = []
            contributions.reserveCapacity(holdings.count)
            var others = holdings
            for i in holdings.indices {
                others.remove(at: i)
                let without = try self.requirement(self.riskArrays(holdings: others, spot: spot),
                                                   correlations: market.correlations)
                others.insert(holdings[i], at: i)
                contributions.append(requirement.maintenanceMargin - without.maintenanceMargin)
            }
            marginal = contributions
        }
        return MarginReport(calculator: self, portfolio: portfolio, market: market, perPosition: perPosition,
                            riskArrays: riskArrays, requirement: requirement, equity: equity,
                            marginalMaintenance: marginal)
    }
}
