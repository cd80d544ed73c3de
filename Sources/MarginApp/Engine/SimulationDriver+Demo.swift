import Foundation
import MarginEngine
import MarginLedger

extension SimulationDriver {
    /// `margin serve --demo`'s venue: 2,000 accounts of 10 positions, 200 options per underlying, 20 ticks and 5
    /// trades per second, a different walk at every start.
    public static var demo: SimulationDriver {
        var driver = SimulationDriver()
        driver.accounts = 2_000
        driver.options = 200
        driver.rate = 20
        driver.trades = 5
        driver.seedsFromClock = true
        return driver
    }

    /// Offers ticks (``startTicks(into:continuing:until:)``, at least 0.1 per second) continuing the engine's
    /// market, until the task is cancelled: the demo service's market feed.
    public func runMarket(_ engine: RiskEngine) async {
        let stop = StopFlag()
        defer { stop.set() }
        var paced = self
        paced.rate = max(rate, 0.1)
        paced.startTicks(into: engine, continuing: await engine.state.markets, until: stop)
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(1)) }
    }

    /// Submits deposits and trades (``submitTrades(to:state:faultPause:until:refused:)``) among the engine's
    /// accounts until the task is cancelled: the demo service's order flow.
    public func runTrades(_ engine: RiskEngine) async {
        await submitTrades(to: engine, state: await engine.state, faultPause: .milliseconds(200),
                           until: { Task.isCancelled })
    }
}
