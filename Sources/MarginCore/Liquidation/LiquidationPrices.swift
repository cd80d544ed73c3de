#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The index levels of each underlying an account holds at which its equity would equal its maintenance margin
/// (reference model, `sum` mode), the nearest to today's below and above, everything else unchanged: the answer to
/// "at what BTC price am I liquidated?".
///
/// The market at a level `S·(1+m)` of underlying u: u's index, perpetual price and every forward × (1+m); u's vol
/// surface unchanged as a function of strike and expiry (sticky strike); time, rates and every other underlying
/// unchanged (``UnderlyingMarket/atPriceLevel(_:)``). Futures and perpetuals without an entry price count as entered
/// at today's mark, so the move's P&L is in equity. Levels are searched between `lowest·S` and `highest·S` (1% and
/// 10× by default): a side with no level there is `nil`.
public struct LiquidationPrices: Hashable, Sendable {
    /// One underlying's levels, USD per coin.
    public struct Level: Hashable, Sendable {
        public var underlying: String
        /// Today's index.
        public var index: Double
        /// The nearest level below today's index at which equity = MM, or `nil` when none is in the range.
        public var below: Double?
        /// The nearest level above, or `nil`.
        public var above: Double?
    }

    public var account: String
    /// Equity and maintenance margin today, USD (`sum` mode).
    public var equity: Double
    public var maintenanceMargin: Double
    /// Whether the account is already below MM today: the levels are then where it would climb back to MM.
    public var belowMaintenanceMargin: Bool { equity < maintenanceMargin }
    /// By underlying name.
    public var levels: [Level]
}

/// Finds ``LiquidationPrices`` by a scan on a geometric grid of price levels outwards from today's, then
/// bisection of the first bracket where `equity − MM` changes sign.
///
/// `equity − MM` need not be monotone in the price (a short strangle's is hump-shaped), which is why the search
/// walks outwards from today's level rather than bisecting the whole range: it finds the nearest crossing, provided
/// the cushion does not cross and cross back within one grid step (`gridStep`, 0.5% of the price by default).
/// Each evaluation is a full margin computation of the account; the bisection stops at a relative width of 1e-12.
public struct LiquidationPriceSearch: Sendable {
    /// Reference-model parameters (the correlation mode is forced to `sum`).
    public var parameters: RiskParameters
    /// The grid's step, as a relative price change (0.005 = 0.5%).
    public var gridStep: Double
    /// The search range, as fractions of today's index.
    public var lowest: Double
    public var highest: Double

    public init(parameters: RiskParameters = .reference, gridStep: Double = 0.005, lowest: Double = 0.01,
                highest: Double = 10) {
        var p = parameters
        p.correlationMode = .sum
        self.parameters = p
        self.gridStep = gridStep
        self.lowest = lowest
        self.highest = highest
    }

    /// The levels of every underlying `portfolio` holds (a position in it, or a coin balance), by name.
    ///
    /// - Throws: ``InputError`` when the account does not validate against the market or cannot be margined.
    public func prices(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> LiquidationPrices {
        let account = Self.markingEntries(portfolio, market: market)
        let calculator = MarginCalculator(parameters: parameters)
        let arrays = try calculator.instrumentArrays(for: account, market: market)
        let today = try calculator.margin(of: account, market: market, arrays: arrays, explain: false)
        var held = Set(account.positions.map(\.instrument.underlying))
        for (currency, amount) in account.balances where amount != 0 && market.underlyings[currency] != nil {
            held.insert(currency)
        }
        var levels: [LiquidationPrices.Level] = []
        for name in held.sorted() {
            guard let u = market.underlyings[name] else { continue }
            let repriced = arrays.keys.filter { $0.underlying == name }
            // Only u's instruments are repriced at a level; the other underlyings' arrays are today's.
            let cushion = { (factor: Double) throws(InputError) -> Double in
                var shifted = market
                let level = u.atPriceLevel(factor)
                shifted.underlyings[name] = level
                var levelArrays = arrays
                for instrument in repriced {
                    levelArrays[instrument] = try InstrumentRiskArray(
                        instrument: instrument, market: level, scenarios: calculator.scenarios, parameters: parameters)
                }
                let m = try calculator.margin(of: account, market: shifted, arrays: levelArrays, explain: false)
                return m.equity - m.maintenanceMargin
            }
            let now = today.equity - today.maintenanceMargin
            let below = try nearestCrossing(cushion, from: now, towards: lowest)
            let above = try nearestCrossing(cushion, from: now, towards: highest)
            levels.append(.init(underlying: name, index: u.index, below: below.map { $0 * u.index },
                                above: above.map { $0 * u.index }))
        }
        return LiquidationPrices(account: portfolio.account, equity: today.equity,
                                 maintenanceMargin: today.maintenanceMargin, levels: levels)
    }

    /// The account with every future and perpetual lacking an entry price entered at today's mark (its forward or
    /// the perpetual price), so that a price move's P&L counts in equity.
    public static func markingEntries(_ portfolio: Portfolio, market: MarketSnapshot) -> Portfolio {
        var p = portfolio
        for i in p.positions.indices where p.positions[i].instrument.option == nil && p.positions[i].entryPrice == nil {
            let instrument = p.positions[i].instrument
            if let u = market.underlyings[instrument.underlying] {
                p.positions[i].entryPrice = u.futuresPrice(expiry: instrument.expiry)
            }
        }
        return p
    }

    /// The price factor nearest 1 towards `bound` at which `cushion` changes sign from its sign at 1 (`now`): a
    /// level where equity = MM. `nil` when it keeps its sign up to the bound.
    func nearestCrossing(_ cushion: (Double) throws(InputError) -> Double, from now: Double, towards bound: Double)
        throws(InputError) -> Double?
    {
        let above = now >= 0
        func crossed(_ c: Double) -> Bool { above ? c < 0 : c >= 0 }
        let step = bound < 1 ? -log1p(gridStep) : log1p(gridStep)
        let steps = Int((log(bound) / step).rounded(.up))
        var inside = 1.0
        for k in 1...max(steps, 1) {
            let x = k >= steps ? bound : exp(Double(k) * step)
            if crossed(try cushion(x)) {
                var a = inside  // not crossed
                var b = x  // crossed
                for _ in 0..<200 where abs(b - a) > 1e-12 * max(a, b) {
                    let mid = 0.5 * (a + b)
                    if crossed(try cushion(mid)) { b = mid } else { a = mid }
                }
                return 0.5 * (a + b)
            }
            inside = x
        }
        return nil
    }
}
