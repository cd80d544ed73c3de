import Foundation
import Hummingbird
import MarginApp
import MarginCore

extension MarginServer {
    /// `POST /v1/backtest` (admin and viewer: scope `backtest:run`): `margin backtest`'s inputs in one body, its JSON
    /// report back. Bounded: at most ``MarginBacktest/maxServiceRows`` history rows and
    /// ``MarginBacktest/maxServiceLegs`` legs (and the server's body limit), run under ``ComputeLimits``. Needs no
    /// engine: the history is the market.
    func addBacktestRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.post, "/v1/backtest", scope: .backtestRun, heavy: true, body: .backtest)) {
            [self] _, context, body in
            let backtest = try StrictBody.decode { () throws(InputError) in try MarginBacktest(request: body.node) }
            let result = try await compute(context, units: backtest.workUnits) {
                try StrictBody.unprocessable { () throws(InputError) in try backtest.run() }
            }
            return JSONResponse.make(result.json)
        }
    }
}
