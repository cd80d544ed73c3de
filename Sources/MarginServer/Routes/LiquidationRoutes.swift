import Foundation
import Hummingbird
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// `POST /v1/trades` (the trading back-end), `POST /v1/books` (the feeder), `GET /v1/liquidations` (the
    /// journaled liquidation actions, by sequence cursor) and `GET /v1/insurance-fund`.
    func addLiquidationRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.post, "/v1/trades", scope: .tradeReadWrite, body: .trade)) {
            [self] request, context, body in
            let event = try Self.engineEvent(body, type: "trade", defaults: Self.tradeDefaults)
            return try await write(event, request: request, context: context)
        }
        route(router, RouteSpec(.post, "/v1/books", scope: .marketReadWrite, body: .book)) {
            [self] request, context, body in
            let event = try Self.engineEvent(body, type: "book", required: body.shape.requiredKeys)
            return try await write(event, request: request, context: context)
        }
        route(router, RouteSpec(.get, "/v1/liquidations", scope: .liquidationRead)) { [self] request, _ in
            let engine = try readyEngine()
            let query = request.uri.queryParameters
            let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 100, range: 1...1_000)
            var cursor: UInt64 = 0
            if let text = query["cursor"], !text.isEmpty {
                guard let c = UInt64(String(text)) else {
                    throw APIError(.badRequest, "invalid_request", "cursor must be a journal sequence (an integer ≥ 0)",
                                   field: "cursor")
                }
                cursor = c
            }
            let page: LiquidationFeedPage
            do throws(EngineError) { page = try await LiquidationFeed.page(engine, after: cursor, limit: limit) } catch {
                throw APIError.engine(error)
            }
            return JSONResponse.make(.object([
                ("items", .array(page.items.map(Self.liquidationJSON))),
                ("next", page.next.map { .string(String($0)) } ?? .null),
            ]))
        }
        route(router, RouteSpec(.get, "/v1/insurance-fund", scope: .liquidationRead)) { [self] _, _ in
            let engine = try readyEngine()
            let fund = await engine.insuranceFund()
            var balances: [(String, JSONValue)] = []
            var margin: [(String, JSONValue)] = []
            if let v = fund.view {
                balances = v.account.balances.keys.sorted().map { ($0, .string(Money.text(v.account.balances[$0] ?? 0))) }
                if let m = v.margin { margin = Self.marginFields(m) }
            }
            return JSONResponse.make(.object([
                ("account", .string(fund.account)), ("exists", .bool(fund.view != nil)),
                ("balances", .object(balances)), ("margin", .object(margin)),
                ("positions", .double(Double(fund.view?.account.positions.count ?? 0))),
                ("liquidationsInProgress", .double(Double(fund.liquidationsInProgress))),
                ("halted", fund.halted.map(JSONValue.string) ?? .null),
                ("sequence", .double(Double(fund.sequence))),
            ]))
        }
    }

    /// A trade body's defaults (`POST /v1/trades` and each trade of `POST /v1/trades/batch`): no fees, in USD.
    static let tradeDefaults: [(String, JSONValue)] = [
        ("buyerFee", .string("0")), ("sellerFee", .string("0")), ("feeCurrency", .string("USD")),
    ]

    /// A liquidation action as served: `{"sequence": N, "type": …, …the journaled fields}`.
    static func liquidationJSON(_ item: LiquidationFeedPage.Item) -> JSONValue {
        guard case .object(let fields) = item.event.json else { return item.event.json }
        return .object([("sequence", .double(Double(item.sequence)))] + fields)
    }
}
