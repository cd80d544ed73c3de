import Foundation
import Hummingbird
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

extension MarginServer {
    /// Reading accounts, their margin (the shape of `margin compute --format json`), what-ifs on the one pre-trade
    /// rule and liquidation prices. Owners reach only their own account (the gate checks `{id}`). The computations
    /// read the account's inputs in one hop on the engine's thread and run under ``ComputeLimits``
    /// (``compute(_:units:_:)``), off the engine.
    func addAccountRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.get, "/v1/accounts", scope: .accountRead)) { [self] request, context in
            let engine = try readyEngine()
            let caller = try context.caller
            let query = request.uri.queryParameters
            let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 100, range: 1...1_000)
            let health = try query["health"].map { text -> Health in
                guard let h = Health(rawValue: String(text)) else {
                    throw APIError(.badRequest, "invalid_request",
                                   "health must be one of \(Health.allCases.map(\.rawValue).joined(separator: ", "))",
                                   field: "health")
                }
                return h
            }
            var cursor: String?
            if let c = query["cursor"], !c.isEmpty {
                guard let bytes = Base64URL.decode(String(c)), let name = String(validating: bytes, as: UTF8.self)
                else { throw APIError(.badRequest, "invalid_request", "cursor is not one this server gave", field: "cursor") }
                cursor = name
            }
            var page = await engine.accountPage(after: cursor, limit: limit, health: health)
            if let own = caller.account, caller.role.isAccountBound {
                page.items = page.items.filter { $0.name == own }
                page.next = nil
            }
            let counts = await engine.healthCounts
            let items = page.items.map { item -> JSONValue in
                var pairs: [(String, JSONValue)] = [("account", .string(item.name)), ("health", .string(item.health.rawValue))]
                if let m = item.margin { pairs += Self.marginFields(m) }
                return .object(pairs)
            }
            return JSONResponse.make(.object([
                ("items", .array(items)),
                ("next", page.next.map { .string(Base64URL.encode(Array($0.utf8))) } ?? .null),
                ("counts", .object(Health.allCases.map { ($0.rawValue, .double(Double(counts[$0] ?? 0))) })),
            ]))
        }
        route(router, RouteSpec(.get, "/v1/accounts/{id}", scope: .accountRead, accountBound: true)) { [self] _, context in
            let engine = try readyEngine()
            let id = try context.parameters.require("id")
            guard let view = await engine.accountView(of: id) else { throw APIError.notFound("unknown account \"\(id)\"") }
            return JSONResponse.make(Self.accountJSON(view))
        }
        route(router, RouteSpec(.get, "/v1/accounts/{id}/margin", scope: .accountRead, accountBound: true, heavy: true)) {
            [self] request, context in
            let inputs = try await inputs(context)
            let explain = request.uri.queryParameters["explain"].map { $0 != "false" } ?? true
            let report = try await compute(context, units: inputs.portfolio.positions.count) {
                try StrictBody.unprocessable { () throws(InputError) in
                    try inputs.calculator.margin(of: inputs.portfolio, market: inputs.market, explain: explain)
                }
            }
            return JSONResponse.make(report.presetJSON)
        }
        route(router, RouteSpec(.post, "/v1/accounts/{id}/what-if", scope: .accountRead, accountBound: true,
                                heavy: true, body: .whatIf)) { [self] _, context, body in
            let legs = try StrictBody.decode { () throws(InputError) in try TradeLeg.legs(json: body.node) }
            try Self.checkLimit(legs.count, configuration.compute.maxLegs, what: "legs", field: "$.positions")
            let inputs = try await inputs(context)
            let check = try await compute(context, units: legs.count + inputs.portfolio.positions.count) {
                try StrictBody.unprocessable { () throws(InputError) in
                    try WhatIf.evaluate(inputs, legs: legs, tradeLabel: "body")
                }
            }
            return JSONResponse.make(check.json)
        }
        route(router, RouteSpec(.get, "/v1/accounts/{id}/liquidation-price", scope: .accountRead, accountBound: true,
                                heavy: true)) { [self] _, context in
            let inputs = try await inputs(context)
            let prices = try await compute(context, units: inputs.portfolio.positions.count) {
                try StrictBody.unprocessable { () throws(InputError) in
                    try LiquidationPriceSearch(parameters: inputs.parameters).prices(of: inputs.portfolio,
                                                                                     market: inputs.market)
                }
            }
            return JSONResponse.make(prices.json)
        }
    }

    /// The use-cases' inputs for the path's account (404 when unknown).
    private func inputs(_ context: Context) async throws -> AccountInputs {
        let engine = try readyEngine()
        let id = try context.parameters.require("id")
        guard let inputs = await engine.accountInputs(of: id) else { throw APIError.notFound("unknown account \"\(id)\"") }
        return inputs
    }

    static func marginFields(_ m: AccountMargin) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("equity", .finite(m.equity)), ("initialMargin", .finite(m.initialMargin)),
            ("maintenanceMargin", .finite(m.maintenanceMargin)), ("marginHealth", .string(m.health.rawValue)),
            ("riskAvailable", .bool(m.isRiskAvailable)),
        ]
        if let i = m.unpricedInstrument { pairs.append(("unpricedInstrument", .string(i))) }
        return pairs
    }

    static func accountJSON(_ v: EngineAccountView) -> JSONValue {
        let balances = v.account.balances.keys.sorted().map { ($0, JSONValue.string(Money.text(v.account.balances[$0] ?? 0))) }
        let positions = v.account.positions.keys.sorted().map { id -> JSONValue in
            let p = v.account.positions[id]
            var pairs: [(String, JSONValue)] = [("instrument", .string(id))]
            if let instrument = v.instruments[id], case .object(let fields) = instrument.json { pairs += fields }
            pairs.append(("quantity", .string(Money.text(p?.quantity ?? 0))))
            pairs.append(("cost", .string(Money.text(p?.cost ?? 0))))
            if let instrument = v.instruments[id], let e = p?.entryPrice(of: instrument) {
                pairs.append(("entryPrice", .finite(e)))
            }
            return .object(pairs)
        }
        var margin: [(String, JSONValue)] = []
        if let m = v.margin { margin = marginFields(m) }
        return .object([
            ("account", .string(v.name)), ("sequence", .double(Double(v.sequence))),
            ("health", .string(v.account.health.rawValue)), ("balances", .object(balances)),
            ("positions", .array(positions)), ("margin", .object(margin)),
        ])
    }

    static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(.badRequest, "invalid_request", "\(name) must be an integer in \(range.lowerBound)…\(range.upperBound)",
                           field: name)
        }
        return n
    }
}

extension StrictBody {
    /// Runs a use-case: an ``InputError`` from it (the account or trade cannot be margined in this market) is 422.
    static func unprocessable<T>(_ body: () throws(InputError) -> T) throws(APIError) -> T {
        do { return try body() } catch {
            throw APIError(.unprocessableContent, "rejected", error.description, field: error.path)
        }
    }
}
