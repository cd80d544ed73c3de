import Foundation
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// Deposits, withdrawals and market data. Every body is strict (unknown keys are a 400 naming them); the
    /// engine's own validation answers 422 (nothing changed). Engine-written events (health, liquidation actions)
    /// have no route: no API body can become one.
    func addWriteRoutes(_ router: Router<Context>) {
        for (path, isDeposit) in [("/v1/deposits", true), ("/v1/withdrawals", false)] {
            route(router, RouteSpec(.post, path, scope: .walletReadWrite)) { [self] request, context in
                let node = try StrictBody.parse(context.bodyBytes, shape: .transfer)
                let transfer = try StrictBody.decode { () throws(InputError) in
                    Transfer(account: try StrictBody.string(node, "account"),
                             currency: try StrictBody.string(node, "currency"),
                             amount: try StrictBody.decimal(try node.required("amount")))
                }
                return try await write(isDeposit ? .deposit(transfer) : .withdrawal(transfer), request: request,
                                       context: context)
            }
        }
        route(router, RouteSpec(.post, "/v1/market", scope: .marketReadWrite)) { [self] request, context in
            let node = try StrictBody.parse(context.bodyBytes, shape: .any)
            let nodes: [JSONNode]
            if case .object(let pairs) = node.value, pairs.contains(where: { $0.key == "updates" }) {
                do throws(InputError) { try BodyShape.marketBatch.check(node) } catch { throw APIError.badRequest(error) }
                nodes = try StrictBody.decode { () throws(InputError) in try node.required("updates").array() }
            } else {
                do throws(InputError) { try BodyShape.marketUpdate.check(node) } catch { throw APIError.badRequest(error) }
                nodes = [node]
            }
            guard !nodes.isEmpty else {
                throw APIError(.badRequest, "invalid_request", "$.updates: at least one update", field: "$.updates")
            }
            let updates = try nodes.map(Self.marketUpdate)
            return try await writeMarkets(updates, request: request, context: context)
        }
    }

    /// One market update in the journal's `market` format (`market.json`'s underlying fields beside `underlying`
    /// and `time`), read by the engine's own decoder.
    static func marketUpdate(_ node: JSONNode) throws(APIError) -> MarketUpdate {
        guard case .object(let pairs) = node.value else {
            throw APIError(.badRequest, "invalid_request", "\(node.path): an object is required", field: node.path)
        }
        for required in ["underlying", "time"] where !pairs.contains(where: { $0.key == required }) {
            throw APIError(.badRequest, "invalid_request", "\(node.path).\(required): missing",
                           field: "\(node.path).\(required)")
        }
        let typed = JSONNode(.object(pairs.filter { $0.key != "type" } + [(key: "type", value: .string("market"))]),
                             path: node.path)
        do {
            guard case .market(let m) = try EngineEvent(json: typed) else {
                throw APIError(.badRequest, "invalid_request", "\(node.path): not a market update", field: node.path)
            }
            return m
        } catch let error as EngineError {
            if case .invalid(let field, let reason) = error {
                throw APIError(.badRequest, "invalid_request", reason.hasPrefix(field) ? reason : "\(field): \(reason)",
                               field: field)
            }
            throw APIError(.badRequest, "invalid_request", error.description)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "invalid_request", "\(error)")
        }
    }
}
