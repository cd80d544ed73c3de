import Foundation
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// Deposits, withdrawals and market data. Every body is strict (unknown keys are a 400 naming them); the
    /// engine's own validation answers 422 (nothing changed), and so does a withdrawal from the insurance fund or
    /// the fee account (`system_account`: the venue's own money never leaves through the API). Engine-written events (health, liquidation actions)
    /// have no route: no API body can become one.
    func addWriteRoutes(_ router: Router<Context>) {
        for (path, type) in [("/v1/deposits", "deposit"), ("/v1/withdrawals", "withdrawal")] {
            route(router, RouteSpec(.post, path, scope: .walletReadWrite, body: .transfer)) {
                [self] request, context, body in
                let event = try Self.engineEvent(body, type: type)
                if case .withdrawal(let t) = event, try await readyEngine().isSystemAccount(t.account) {
                    throw APIError(.unprocessableContent, "system_account", "\"\(t.account)\" is the insurance fund "
                                   + "or the fee account: the API does not withdraw from it", field: "$.account")
                }
                return try await write(event, request: request, context: context)
            }
        }
        route(router, RouteSpec(.post, "/v1/market", scope: .marketReadWrite, body: .market)) {
            [self] request, context, body in
            let nodes: [JSONNode]
            if case .object(let pairs) = body.node.value, pairs.contains(where: { $0.key == "updates" }) {
                nodes = try StrictBody.decode { () throws(InputError) in try body.node.required("updates").array() }
            } else {
                nodes = [body.node]
            }
            guard !nodes.isEmpty else {
                throw APIError(.badRequest, "invalid_request", "$.updates: at least one update", field: "$.updates")
            }
            let updates = try nodes.map(Self.marketUpdate)
            return try await writeMarkets(updates, request: request, context: context)
        }
    }
}
