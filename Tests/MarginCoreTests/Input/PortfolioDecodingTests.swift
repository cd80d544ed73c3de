import MarginCore
import Testing

@Suite struct PortfolioDecodingTests {
    typealias F = InputTestFixture
    let base = F.json("portfolio.json")

    private func decode(_ root: JSONValue) throws(InputError) -> Portfolio {
        try Portfolio(jsonText: root.serialized())
    }

    private func error(setting value: JSONValue?, at steps: [F.Step]) -> InputError? {
        F.error { () throws(InputError) in try decode(F.setting(value, at: steps, in: base)) }
    }

    /// The error of decoding a portfolio whose only position is `fields`.
    private func error(position fields: [(String, JSONValue)]) -> InputError? {
        let root = JSONValue.object([("positions", .array([.object(fields.map { (key: $0.0, value: $0.1) })]))])
        return F.error { () throws(InputError) in try decode(root) }
    }

    private static let jan = Instant(iso8601: "2026-01-30T08:00:00Z")!
    private static let mar = Instant(iso8601: "2026-03-27T08:00:00Z")!

    // MARK: - The example

    @Test func exampleDecodes() throws {
        let p = try Portfolio(jsonText: F.text("portfolio.json"))
        #expect(p.account == "covered-call-and-hedges")
        #expect(p.balances == ["USDC": 250_000, "BTC": 10])
        #expect(p.sortedBalances.map(\.currency) == ["BTC", "USDC"])
        #expect(p.positions.count == 5)
        let expected: [Position] = [
            Position(instrument: Instrument(underlying: "BTC", kind: .option(OptionContract(
                expiry: Self.mar, strike: 100_000, right: .call)), settlement: .inverse), size: -10),
            Position(instrument: Instrument(underlying: "BTC", kind: .option(OptionContract(
                expiry: Self.jan, strike: 80_000, right: .put)), settlement: .linear), size: 5),
            Position(instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear), size: -2,
                     entryPrice: 91_000),
            Position(instrument: Instrument(underlying: "BTC", kind: .future(expiry: Self.mar), settlement: .inverse),
                     size: 100_000),
            Position(instrument: Instrument(underlying: "ETH", kind: .future(expiry: Self.mar), settlement: .linear),
                     size: -60),
        ]
        for (got, want) in zip(p.positions, expected) { #expect(got == want) }
        #expect(p.positions.map(\.instrument.isSizedByNotional) == [false, false, false, true, false])
        #expect(p.positions.map(\.instrument.description) == [
            "BTC-2026-03-27-100000-C-inverse", "BTC-2026-01-30-80000-P-linear", "BTC-PERP-linear",
            "BTC-2026-03-27-FUT-inverse", "ETH-2026-03-27-FUT-linear",
        ])
        // And it is consistent with the example market.
        try p.validate(against: MarketSnapshot(jsonText: F.text("market.json")))
    }

    @Test func emptyAndMinimalAccounts() throws {
        let empty = try Portfolio(jsonText: "{}")
        #expect(empty.account == "account")
        #expect(empty.balances.isEmpty && empty.positions.isEmpty)
        let inversePerp = try Portfolio(jsonText: """
            {"positions": [{"kind": "perpetual", "underlying": "ETH", "settlement": "inverse", "notionalUSD": -5000,
                            "entryPrice": 3000}]}
            """)
        #expect(inversePerp.positions == [Position(
            instrument: Instrument(underlying: "ETH", kind: .perpetual, settlement: .inverse), size: -5000,
            entryPrice: 3000)])
    }

    // MARK: - Inconsistent fields name $.positions[i].field

    @Test func inverseFutureWithQuantity() {
        let e = error(setting: .double(1), at: ["positions", 3, "quantity"])
        guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(path == "$.positions[3].quantity")
        // Instead of notionalUSD, too.
        #expect(error(setting: nil, at: ["positions", 3, "notionalUSD"]) == .missing(path: "$.positions[3].notionalUSD"))
    }

    @Test func linearFutureWithNotional() {
        let e = error(setting: .double(100_000), at: ["positions", 4, "notionalUSD"])
        guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(path == "$.positions[4].notionalUSD")
        // A linear perpetual too.
        #expect(error(setting: .double(1), at: ["positions", 2, "notionalUSD"])?.path == "$.positions[2].notionalUSD")
        #expect(error(setting: nil, at: ["positions", 4, "quantity"]) == .missing(path: "$.positions[4].quantity"))
    }

    @Test func optionWithNotional() {
        // Options are sized in coins whatever their settlement.
        for i in [0, 1] {
            let e = error(setting: .double(100_000), at: ["positions", .index(i), "notionalUSD"])
            guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); continue }
            #expect(path == "$.positions[\(i)].notionalUSD")
        }
        #expect(error(setting: nil, at: ["positions", 0, "quantity"]) == .missing(path: "$.positions[0].quantity"))
        #expect(error(setting: .double(90_000), at: ["positions", 1, "entryPrice"])?.path == "$.positions[1].entryPrice")
    }

    @Test func perpetualWithExpiry() {
        let e = error(setting: .string("2026-03-27T08:00:00Z"), at: ["positions", 2, "expiry"])
        guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(path == "$.positions[2].expiry")
    }

    @Test func futureFields() {
        #expect(error(setting: nil, at: ["positions", 4, "expiry"]) == .missing(path: "$.positions[4].expiry"))
        #expect(error(setting: .string("soon"), at: ["positions", 4, "expiry"])?.path == "$.positions[4].expiry")
        #expect(error(setting: .double(3000), at: ["positions", 4, "strike"])?.path == "$.positions[4].strike")
        #expect(error(setting: .string("call"), at: ["positions", 3, "right"])?.path == "$.positions[3].right")
        #expect(error(setting: .double(0), at: ["positions", 2, "entryPrice"])?.path == "$.positions[2].entryPrice")
        #expect(error(setting: .double(-1), at: ["positions", 2, "entryPrice"])?.path == "$.positions[2].entryPrice")
    }

    @Test func optionWithoutStrike() {
        #expect(error(setting: nil, at: ["positions", 1, "strike"]) == .missing(path: "$.positions[1].strike"))
        #expect(error(setting: .null, at: ["positions", 0, "strike"]) == .missing(path: "$.positions[0].strike"))
        #expect(error(setting: nil, at: ["positions", 0, "expiry"]) == .missing(path: "$.positions[0].expiry"))
        #expect(error(setting: nil, at: ["positions", 0, "right"]) == .missing(path: "$.positions[0].right"))
    }

    @Test(arguments: [0.0, -80_000, -1e-9])
    func strikeMustBePositive(_ strike: Double) {
        let e = error(setting: .double(strike), at: ["positions", 1, "strike"])
        guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(path == "$.positions[1].strike")
    }

    @Test func unknownKind() {
        for kind in ["swap", "OPTION", "", "spot"] {
            let e = error(setting: .string(kind), at: ["positions", 2, "kind"])
            guard case .invalid(let path, _) = e else { Issue.record("\(kind): \(String(describing: e))"); continue }
            #expect(path == "$.positions[2].kind")
        }
        #expect(error(setting: nil, at: ["positions", 2, "kind"]) == .missing(path: "$.positions[2].kind"))
        #expect(error(setting: .double(1), at: ["positions", 2, "kind"])?.path == "$.positions[2].kind")
    }

    @Test func unknownRight() {
        for right in ["straddle", "Call", "c", ""] {
            let e = error(setting: .string(right), at: ["positions", 0, "right"])
            guard case .invalid(let path, _) = e else { Issue.record("\(right): \(String(describing: e))"); continue }
            #expect(path == "$.positions[0].right")
        }
    }

    @Test func otherFieldErrors() {
        #expect(error(setting: .string("quanto"), at: ["positions", 4, "settlement"])?.path == "$.positions[4].settlement")
        #expect(error(setting: nil, at: ["positions", 4, "settlement"]) == .missing(path: "$.positions[4].settlement"))
        #expect(error(setting: .string(""), at: ["positions", 4, "underlying"])?.path == "$.positions[4].underlying")
        #expect(error(setting: nil, at: ["positions", 4, "underlying"]) == .missing(path: "$.positions[4].underlying"))
        #expect(error(setting: .string("-60"), at: ["positions", 4, "quantity"])
                == .wrongType(path: "$.positions[4].quantity", expected: "a number", found: "a string"))
        #expect(error(setting: .double(1e13), at: ["positions", 4, "quantity"])?.path == "$.positions[4].quantity")
        #expect(error(setting: .double(1e16), at: ["positions", 3, "notionalUSD"])?.path == "$.positions[3].notionalUSD")
        #expect(error(setting: .string("10"), at: ["balances", "BTC"])?.path == "$.balances.BTC")
        #expect(error(setting: .null, at: ["balances", "BTC"])?.path == "$.balances.BTC")
        #expect(error(setting: .double(1e15), at: ["balances", "USDC"])?.path == "$.balances.USDC")
        #expect(error(setting: .array([]), at: ["balances"])?.path == "$.balances")
        #expect(error(setting: .object([]), at: ["positions"])?.path == "$.positions")
        #expect(error(setting: .string("x"), at: ["positions", 1])?.path == "$.positions[1]")
        #expect(error(setting: .double(7), at: ["account"])?.path == "$.account")
        #expect(error(position: [("kind", .string("future")), ("underlying", .string("BTC")),
                                 ("settlement", .string("linear")), ("quantity", .double(1))])
                == .missing(path: "$.positions[0].expiry"))
    }

    // MARK: - validate(against:)

    private func validationError(_ mutate: (JSONValue) -> JSONValue) throws -> InputError? {
        let market = try MarketSnapshot(jsonText: F.text("market.json"))
        let p = try decode(mutate(base))
        return F.error { () throws(InputError) in try p.validate(against: market) }
    }

    @Test func validateUnknownUnderlying() throws {
        #expect(try validationError { F.setting(.string("SOL"), at: ["positions", 4, "underlying"], in: $0) }
                == .unknownUnderlying(path: "$.positions[4].underlying", name: "SOL"))
        #expect(try validationError { F.setting(.string("btc"), at: ["positions", 0, "underlying"], in: $0) }
                == .unknownUnderlying(path: "$.positions[0].underlying", name: "btc"))
    }

    @Test func validateExpiredPosition() throws {
        for (i, expiry) in [(1, "2026-01-09T08:00:00Z"), (3, "2025-12-26T08:00:00Z")] {
            let e = try validationError { F.setting(.string(expiry), at: ["positions", .index(i), "expiry"], in: $0) }
            guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); continue }
            #expect(path == "$.positions[\(i)].expiry")
        }
        // One nanosecond after valuation time is still alive.
        #expect(try validationError {
            F.setting(.string("2026-01-09T08:00:00.000000001Z"), at: ["positions", 1, "expiry"], in: $0)
        } == nil)
    }

    @Test func validateOptionWithoutVolSurface() throws {
        let market = try MarketSnapshot(jsonText: F.text("market.json"))
        var noSurface = market
        noSurface.underlyings["ETH"]?.volSurface = nil
        let option = Position(instrument: Instrument(underlying: "ETH", kind: .option(OptionContract(
            expiry: Self.mar, strike: 3000, right: .put)), settlement: .linear), size: 1)
        let p = Portfolio(account: "a", positions: [
            Position(instrument: Instrument(underlying: "ETH", kind: .perpetual, settlement: .linear), size: 1),
            option,
        ])
        let e = F.error { () throws(InputError) in try p.validate(against: noSurface) }
        guard case .invalid(let path, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(path.hasPrefix("$.positions[1]"))
        // Futures need no surface.
        #expect(F.error { () throws(InputError) in
            try Portfolio(account: "a", positions: [p.positions[0]]).validate(against: noSurface)
        } == nil)
        #expect(F.error { () throws(InputError) in try p.validate(against: market) } == nil)
    }

    @Test func validateUnknownBalanceCurrency() throws {
        #expect(try validationError { F.setting(.double(5), at: ["balances", "DOGE"], in: $0) }
                == .unknownUnderlying(path: "$.balances.DOGE", name: "DOGE"))
        // Stablecoins and known underlyings are fine.
        #expect(try validationError {
            F.setting(.double(1), at: ["balances", "USDT"], in: F.setting(.double(-3), at: ["balances", "ETH"], in: $0))
        } == nil)
    }
}
