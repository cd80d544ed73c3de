/// The margin of one account with its explanation: components per underlying, the scenario that drove each
/// underlying's requirement, every position's P&L in it, marginal contributions and Greeks. USD throughout.
public struct MarginReport: Hashable, Sendable {
    public var account: String
    public var parameters: String
    public var requirement: Requirement
    public var equity: Double
    public var health: Health
    public var underlyings: [UnderlyingReport]
    public var positions: [PositionReport]
    public var balances: [BalanceReport]

    public var initialMargin: Double { requirement.initialMargin }
    public var maintenanceMargin: Double { requirement.maintenanceMargin }
    /// Equity above IM (negative = short of initial margin).
    public var excessEquity: Double { equity - initialMargin }

    /// The scenario and components of one underlying.
    public struct UnderlyingReport: Hashable, Sendable {
        public var name: String
        public var index: Double
        public var components: UnderlyingRequirement
        /// What drove this underlying's requirement: `scan`, `extreme`, `som`, or `joint` (correlated mode).
        public var driver: UnderlyingRequirement.Component
        /// The scenario whose P&L explains the requirement (the worst regular, extreme or joint-move scenario).
        public var drivingScenario: Scenario
        /// Index of `drivingScenario` in the risk-array layout.
        public var drivingScenarioIndex: Int
        /// The account's P&L per scenario (``ScenarioSet`` layout).
        public var riskArray: RiskArray
        /// Greeks of the positions and the coin balance, USD.
        public var greeks: Greeks
    }

    /// One position's value, P&L in its underlying's driving scenario, marginal MM and Greeks.
    public struct PositionReport: Hashable, Sendable {
        public var index: Int
        public var position: Position
        /// Current USD value (options: premium; futures with an entry price: unrealized P&L; else 0).
        public var valueUSD: Double
        /// P&L in the driving scenario of its underlying.
        public var scenarioPnL: Double
        /// MM with the position minus MM without it; `nil` when not explained.
        public var marginalMaintenance: Double?
        public var greeks: Greeks
        /// The implied vol used, for options.
        public var vol: Double?
    }

    /// One balance, its USD value and P&L in the driving scenario of its coin.
    public struct BalanceReport: Hashable, Sendable {
        public var currency: String
        public var amount: Double
        public var valueUSD: Double
        public var scenarioPnL: Double
    }

    /// - Parameter perPosition: each position's instrument array, in position order.
    init(calculator: MarginCalculator, portfolio: Portfolio, market: MarketSnapshot,
         perPosition: [InstrumentRiskArray], riskArrays: [RiskArray], requirement: Requirement,
         equity: Double, marginalMaintenance: [Double]?) {
        let p = calculator.parameters
        let scenarios = calculator.scenarios
        account = portfolio.account
        parameters = p.name
        self.requirement = requirement
        self.equity = equity
        health = Health(equity: equity, initialMargin: requirement.initialMargin,
                        maintenanceMargin: requirement.maintenanceMargin, takeoverRatio: p.takeoverRatio)
        var reports: [UnderlyingReport] = []
        var drivingIndex: [String: Int] = [:]
        for (ra, c) in zip(riskArrays, requirement.underlyings) {
            var driver = c.bindingComponent
            var idx: Int
            // In correlated mode the core is max(Joint, Σ Extreme, Σ SOM): the joint move explains it only when
            // the joint loss binds.
            var sumExtreme = 0.0
            var sumSOM = 0.0
            for u in requirement.underlyings {
                sumExtreme += u.extreme
                sumSOM += u.som
            }
            let jointBinds = requirement.joint.map { $0 >= sumExtreme && $0 >= sumSOM } ?? false
            if requirement.mode == .correlated, !jointBinds {
                driver = sumExtreme >= sumSOM ? .extreme : .som
            }
            if jointBinds, let move = requirement.jointMove?[ra.underlying] {
                // The worst (vol, time) combination at the joint move's price point.
                driver = .joint
                let block = scenarios.volCount * scenarios.timeCount
                idx = move * block
                for k in 0..<block where -ra.pnl[move * block + k] > -ra.pnl[idx] { idx = move * block + k }
            } else {
                idx = driver == .extreme ? ra.worstExtremeScenario : ra.worstRegularScenario
            }
            drivingIndex[ra.underlying] = idx
            let index = market.underlyings[ra.underlying]?.index ?? 0
            var greeks = Greeks(delta: portfolio.balances[ra.underlying] ?? 0)
            for (pos, a) in zip(portfolio.positions, perPosition) where pos.instrument.underlying == ra.underlying {
                greeks += a.valuation.greeks.scaled(by: pos.size)
            }
            reports.append(UnderlyingReport(name: ra.underlying, index: index, components: c, driver: driver,
                                            drivingScenario: scenarios.scenario(idx), drivingScenarioIndex: idx,
                                            riskArray: ra, greeks: greeks))
        }
        underlyings = reports
        var positions: [PositionReport] = []
        positions.reserveCapacity(perPosition.count)
        var lastUnderlying = ""
        var idx = 0
        for (i, (pos, a)) in zip(portfolio.positions, perPosition).enumerated() {
            if pos.instrument.underlying != lastUnderlying {
                lastUnderlying = pos.instrument.underlying
                idx = drivingIndex[lastUnderlying] ?? 0
            }
            positions.append(PositionReport(index: i, position: pos,
                                            valueUSD: calculator.positionValue(pos, array: a, market: market),
                                            scenarioPnL: a.pnl[idx] * pos.size,
                                            marginalMaintenance: marginalMaintenance?[i],
                                            greeks: a.valuation.greeks.scaled(by: pos.size), vol: a.valuation.vol))
        }
        self.positions = positions
        balances = portfolio.sortedBalances.map { currency, amount in
            let price = market.usdPrice(of: currency) ?? 0
            var pnl = 0.0
            if let idx = drivingIndex[currency] { pnl = amount * price * scenarios.scenario(idx).priceMove }
            return BalanceReport(currency: currency, amount: amount, valueUSD: amount * price, scenarioPnL: pnl)
        }
    }
}
