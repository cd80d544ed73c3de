import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import Testing

/// Issue item 10: `margin engine export`: the state at the journal's end, from which anyone can check the ledger's
/// invariants with their own code.
@Suite struct EngineExportTests {
    /// A small simulated population after a crash and its liquidations (journaled by the engine as the updates'
    /// follow-ups), on an in-memory journal.
    static func engine(store: InMemoryJournal) async throws -> RiskEngine {
        let genesis = Population.genesis(market: SimulatedMarket(seed: 3), optionsPerUnderlying: 10, accounts: 20,
                                         positionsPerAccount: 3, seed: 5, insuranceFund: 500,
                                         margins: { $0.accountRequirements() })
        let engine = try await RiskEngine.open(store: store, genesis: genesis)
        var liquidated = 0
        for u in ["BTC", "ETH"] {
            guard let m = await engine.state.markets[u] else { continue }
            liquidated += try await engine.submit(.market(MarketUpdate(underlying: u, time: m.time.adding(seconds: 1),
                                                                       index: m.index * 0.85))).followUps.count
        }
        #expect(liquidated > 0, "the crash liquidates")
        try await engine.submit(.deposit(Transfer(account: "acct-01", currency: "BTC",
                                                  amount: Decimal(string: "0.000000000000000001")!)))
        try await engine.submit(.withdrawal(Transfer(account: "lp-0", currency: "USD",
                                                     amount: Decimal(string: "0.01")!)))
        return engine
    }

    /// An exact decimal from a JSON number's literal text.
    static func exact(_ node: JSONNode) throws -> Decimal {
        try #require(Money.parse(try node.numberLiteral()), "\(node.path)")
    }

    /// Checks the money and open-interest invariants from an export's JSON alone (exact decimal literals): per
    /// currency, Σ balances + the futures' and perpetuals' cost flows = deposits − withdrawals; per instrument, the
    /// sizes net to zero; each entry price is the cost basis per unit. Returns the accounts' names in order.
    @discardableResult
    static func checkLedger(ofExport root: JSONNode) throws -> [String] {
        var money: [String: Decimal] = [:]
        var openInterest: [String: Decimal] = [:]
        var names: [String] = []
        for account in try root.required("accounts").array() {
            names.append(try account.required("account").string())
            for (currency, amount) in try account.required("balances").object() {
                money[currency, default: 0] += try Self.exact(amount)
            }
            for p in try account.required("positions").array() {
                let kind = try p.required("kind").string()
                let settlement = try p.required("settlement").string()
                let size = try Self.exact(try p.optional("quantity") ?? p.required("notionalUSD"))
                openInterest[try p.required("instrument").string(), default: 0] += size
                let cost = try Self.exact(try p.required("cost"))
                guard kind != "option" else { continue }
                if settlement == "linear" {
                    money["USD", default: 0] -= cost
                } else {
                    money[try p.required("underlying").string(), default: 0] += cost
                }
                // The entry price is the cost basis per unit.
                let entry = try Self.exact(try p.required("entryPrice"))
                #expect(abs((settlement == "linear" ? cost / size : size / cost) - entry) < Decimal(string: "1e-20")!)
            }
        }
        let totals = try root.required("totals")
        var expected: [String: Decimal] = [:]
        for (c, d) in try totals.required("deposits").object() { expected[c, default: 0] += try Self.exact(d) }
        for (c, w) in try totals.required("withdrawals").object() { expected[c, default: 0] -= try Self.exact(w) }
        for c in Set(money.keys).union(expected.keys) {
            #expect((money[c] ?? 0) == (expected[c] ?? 0), "\(c): Σ \(money[c] ?? 0) against \(expected[c] ?? 0)")
        }
        #expect(openInterest.values.allSatisfy { $0 == 0 }, "\(openInterest.filter { $0.value != 0 })")
        return names
    }

    @Test("the export's exact numbers satisfy the money and open-interest invariants, checked from the JSON alone")
    func invariantsCheckFromTheExport() async throws {
        let store = InMemoryJournal()
        let engine = try await Self.engine(store: store)
        let state = await engine.state
        let root = try JSONNode.parse(try await EngineExport.json(of: store).serialized())
        #expect(try root.required("sequence").integer() == Int(state.sequence))
        let names = try Self.checkLedger(ofExport: root)
        // The system accounts are accounts of the export, named in it.
        let system = try root.required("system")
        for key in ["insuranceFund", "feeAccount"] { #expect(names.contains(try system.required(key).string())) }
        for b in try system.required("backstops").array() { #expect(names.contains(try b.string())) }
        #expect(names == state.accounts.keys.sorted())
    }

    @Test("every exported account reads as a portfolio.json account and its margin equals the engine's; the market reads as market.json")
    func exportReadsAsTheInputFormats() async throws {
        let store = InMemoryJournal()
        let engine = try await Self.engine(store: store)
        let state = await engine.state
        let margins = await engine.margins
        let root = try JSONNode.parse(EngineExport.json(of: state).serialized())
        let market = try MarketSnapshot(json: try root.required("market"))
        #expect(Set(market.underlyings.keys) == Set(state.markets.keys))
        let calculator = MarginCalculator(parameters: state.parameters)
        var marketAtEngine = state.marketSnapshot()
        marketAtEngine.correlations = market.correlations
        for account in try root.required("accounts").array() {
            let portfolio = try Portfolio(json: account)
            let m = try #require(margins[portfolio.account])
            let report = try calculator.margin(of: portfolio, market: marketAtEngine, explain: false)
            #expect(abs(report.maintenanceMargin - m.maintenanceMargin) <= 1e-6 * max(1, m.maintenanceMargin),
                    "\(portfolio.account)")
            #expect(abs(report.equity - m.equity) <= 1e-6 * max(1, abs(m.equity)), "\(portfolio.account)")
        }
    }

    @Test("the export opens an existing SQLite journal only: a missing path is an error, not a new journal")
    func missingJournalIsRefused() async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("no-such-\(UUID().uuidString).sqlite").path
        await #expect(throws: EngineError.self) { _ = try await EngineExport.json(at: .sqlite(path: path)) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
