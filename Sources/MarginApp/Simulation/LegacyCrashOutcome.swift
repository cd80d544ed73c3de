import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// The crash replay's population under a legacy margin model (MARGIN_MODEL.md "Legacy models"): how many traders it
/// would have liquidated, and the losses beyond their collateral.
///
/// Each trader keeps its starting positions (no liquidation engine: the legacy venue closes an account whole, at
/// the mark, the first time its equity is below the model's MM at a point of the path). At each point the market is
/// the start moved by the path's factors (indices, forwards and vols), valued at the start's time (an instantaneous
/// move: no decay, so options and futures keep their expiries), with the same valuation as the reference model. The
/// loss of a liquidated trader is `max(0, −equity)` at the point it is closed: the shortfall a fund would cover.
public struct LegacyCrashOutcome: Hashable, Sendable {
    /// `fixedPercentage`, `standardCross`, or `portfolio` (the reference model, same rule, for comparison).
    public var model: String
    public var accountsLiquidated: Int
    /// Σ shortfalls beyond collateral, USD.
    public var losses: Double

    /// Every model's outcome on `genesis`'s traders over `path`.
    public static func compute(genesis: EngineState, path: PricePath) -> [LegacyCrashOutcome] {
        let calculator = MarginCalculator(parameters: genesis.parameters)
        let traders = genesis.accounts.keys.sorted().filter(CrashPopulation.isTrader)
        let portfolios = traders.compactMap { genesis.portfolio(of: $0) }
        let start = genesis.marketSnapshot()
        // One portfolio holding every instrument once: its arrays serve every trader at a point.
        var everything = Portfolio(account: "")
        for id in genesis.instruments.keys.sorted() {
            if let i = genesis.instruments[id] { everything.positions.append(Position(instrument: i, size: 1)) }
        }
        let models: [(String, LegacyModel?)] = [("fixedPercentage", .fixedPercentage), ("standardCross", .standardCross),
                                                ("portfolio", nil)]
        var liquidated = [[Bool]](repeating: [Bool](repeating: false, count: portfolios.count), count: models.count)
        var losses = [Double](repeating: 0, count: models.count)
        for step in path.steps {
            var market = start
            for (name, u) in start.underlyings {
                var moved = u.atPriceLevel(step.index[name] ?? 1)
                if let v = step.vol[name], v != 1, let quotes = u.volSurface?.quotes {
                    let scaled = quotes.map { VolQuote(expiry: $0.expiry, strikes: $0.strikes, vols: $0.vols.map { $0 * v }) }
                    moved = (try? moved.updated(time: u.valuationTime, volQuotes: scaled)) ?? moved
                }
                market.underlyings[name] = moved
            }
            guard let arrays = try? calculator.instrumentArrays(for: everything, market: market) else { continue }
            for (k, portfolio) in portfolios.enumerated() {
                let equity = calculator.equity(of: portfolio, market: market, arrays: arrays)
                for (m, (_, model)) in models.enumerated() where !liquidated[m][k] {
                    let mm: Double
                    if let model {
                        guard let r = try? calculator.legacyMargin(model, of: portfolio, market: market, arrays: arrays)
                        else { continue }
                        mm = r.maintenanceMargin
                    } else {
                        guard let r = try? calculator.margin(of: portfolio, market: market, arrays: arrays, explain: false)
                        else { continue }
                        mm = r.maintenanceMargin
                    }
                    if equity < mm {
                        liquidated[m][k] = true
                        losses[m] += max(0, -equity)
                    }
                }
            }
        }
        return models.enumerated().map { m, model in
            LegacyCrashOutcome(model: model.0, accountsLiquidated: liquidated[m].filter { $0 }.count, losses: losses[m])
        }
    }
}
