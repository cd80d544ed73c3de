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
        route(router, RouteSpec(.post, "/v1/trades", scope: .tradeReadWrite)) { [self] request, context in
            let node = try StrictBody.parse(context.bodyBytes, shape: .trade)
            let event = try Self.engineEvent(node, type: "trade",
                                             defaults: [("buyerFee", .string("0")), ("sellerFee", .string("0")),
                                                        ("feeCurrency", .string("USD"))])
            return try await write(event, request: request, context: context)
        }
        route(router, RouteSpec(.post, "/v1/books", scope: .marketReadWrite)) { [self] request, context in
            let node = try StrictBody.parse(context.bodyBytes, shape: .book)
            let event = try Self.engineEvent(node, type: "book", required: ["instrument"])
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

    /// A liquidation action as served: `{"sequence": N, "type": …, …the journaled fields}`.
    static func liquidationJSON(_ item: LiquidationFeedPage.Item) -> JSONValue {
        guard case .object(let fields) = item.event.json else { return item.event.json }
        return .object([("sequence", .double(Double(item.sequence)))] + fields)
    }

    /// Numbers as their literals' strings (the journal writes money as decimal strings; the API takes either, with
    /// no binary rounding).
    static func decimalStrings(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(_, let literal): return .string(literal)
        case .array(let items): return .array(items.map(decimalStrings))
        case .object(let pairs): return .object(pairs.map { (key: $0.key, value: decimalStrings($0.value)) })
        default: return value
        }
    }

    /// An API body read by the engine's own journal decoder as an event of `type` (absent `defaults` added), so the
    /// API and the journal accept the same fields; its errors are 400s naming the field.
    static func engineEvent(_ node: JSONNode, type: String, required: [String] = [],
                            defaults: [(String, JSONValue)] = []) throws(APIError) -> EngineEvent {
        guard case .object(let pairs) = node.value else {
            throw APIError(.badRequest, "invalid_request", "\(node.path): an object is required", field: node.path)
        }
        for key in required where !pairs.contains(where: { $0.key == key }) {
            throw APIError(.badRequest, "invalid_request", "\(node.path).\(key): missing", field: "\(node.path).\(key)")
        }
        var fields = pairs.filter { $0.key != "type" }.map { (key: $0.key, value: Self.decimalStrings($0.value)) }
        for (key, value) in defaults where !fields.contains(where: { $0.key == key }) {
            fields.append((key: key, value: value))
        }
        let typed = JSONNode(.object(fields + [(key: "type", value: .string(type))]), path: node.path)
        do {
            return try EngineEvent(json: typed)
        } catch {
            if case .invalid(let field, let reason) = error {
                let path = field.hasPrefix("$") ? field : "$.\(field)"
                throw APIError(.badRequest, "invalid_request", reason.hasPrefix(field) ? reason : "\(path): \(reason)",
                               field: path)
            }
            throw APIError(.badRequest, "invalid_request", error.description)
        }
    }
}
