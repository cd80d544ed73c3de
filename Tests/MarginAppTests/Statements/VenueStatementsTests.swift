import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStatements
import Testing

@Suite("VenueStatements: signed statements recomputed, commitments over a journal, net risk across venues")
struct VenueStatementsTests {
    static let market = "examples/market.json"

    static func root() -> String {
        // Tests run from the package root.
        FileManager.default.currentDirectoryPath
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stmt-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func book(_ account: String, btc: Double) throws -> String {
        try write("""
        {"account":"\(account)","balances":{"USD":100000},"positions":[{"kind":"perpetual","underlying":"BTC",\
        "settlement":"linear","quantity":\(btc),"entryPrice":95000}]}
        """)
    }

    @Test("a statement verifies and recomputes to `margin compute`'s figures")
    func recomputes() throws {
        let key = VenueKey.generate()
        let statement = try VenueStatements.statement(market: Self.market, portfolio: "examples/covered-call.json",
                                                      parameters: nil, venue: "v", key: key)
        let verified = try RiskStatement.verify(statement, key: key.publicKey)
        let inputs = try AccountInputs.load(market: Self.market, portfolio: "examples/covered-call.json")
        let report = try inputs.calculator.margin(of: inputs.portfolio, market: inputs.market)
        #expect(verified.maintenanceMargin == report.maintenanceMargin)
        #expect(verified.initialMargin == report.initialMargin)
        #expect(verified.equity == report.equity)
    }

    @Test("a statement whose result was edited and re-signed with the right key fails recomputation, naming the field")
    func editedResult() throws {
        let key = VenueKey.generate()
        let statement = try VenueStatements.statement(market: Self.market, portfolio: "examples/covered-call.json",
                                                      parameters: nil, venue: "v", key: key)
        guard case .object(var pairs) = statement, let r = pairs.firstIndex(where: { $0.key == "result" }),
              case .object(var result) = pairs[r].value,
              let mm = result.firstIndex(where: { $0.key == "maintenanceMargin" }) else {
            Issue.record("no result.maintenanceMargin")
            return
        }
        result[mm].value = .string("1000")
        pairs[r].value = .object(result)
        let resigned = try Signature.sign(.object(pairs.filter { $0.key != "signature" }), with: key)
        #expect {
            try RiskStatement.verify(resigned, key: key.publicKey)
        } throws: { error in
            guard case .invalid(let path, _)? = error as? StatementError else { return false }
            return path == "$.result.maintenanceMargin"
        }
        // A disclosed input changed (and re-signed): the stated figures no longer follow from it.
        guard let p = pairs.firstIndex(where: { $0.key == "portfolio" }), case .object(var portfolio) = pairs[p].value,
              let b = portfolio.firstIndex(where: { $0.key == "positions" }), case .array(var positions) = portfolio[b].value,
              case .object(var first) = positions[0], let q = first.firstIndex(where: { $0.key == "quantity" }) else {
            Issue.record("no portfolio.positions[0].quantity")
            return
        }
        first[q].value = .string("5")
        positions[0] = .object(first)
        portfolio[b].value = .array(positions)
        pairs[p].value = .object(portfolio)
        let reloaded = try Signature.sign(.object(pairs.filter { $0.key != "signature" && $0.key != "result" }
            + [("result", resultMember(statement))]), with: key)
        #expect(throws: StatementError.self) { try RiskStatement.verify(reloaded, key: key.publicKey) }
    }

    @Test("flipping any byte of a statement makes verification fail")
    func flipStatement() throws {
        let key = VenueKey.generate()
        let statement = try VenueStatements.statement(market: Self.market, portfolio: "examples/covered-call.json",
                                                      parameters: nil, venue: "v", key: key)
        let bytes = try CanonicalJSON.bytes(statement)
        // Every 97th byte (the whole statement is ~30 KB; each check recomputes the margin).
        for i in stride(from: 0, to: bytes.count, by: 97) {
            var b = bytes
            b[i] ^= 0x01
            let outcome = StatementVerification.verify(text: String(decoding: b, as: UTF8.self), key: key.publicKey)
            #expect(outcome.exitCode != 0, "byte \(i) flipped still verifies")
        }
    }

    @Test("net risk: a BTC long on one venue hedged by a short on another frees capital; identical books free none")
    func aggregate() throws {
        let (a, b) = (VenueKey.generate(), VenueKey.generate())
        let long = try VenueStatements.statement(market: Self.market, portfolio: try Self.book("desk-a", btc: 2),
                                                 parameters: nil, venue: "alpha", key: a)
        let short = try VenueStatements.statement(market: Self.market, portfolio: try Self.book("desk-b", btc: -2),
                                                  parameters: nil, venue: "beta", key: b)
        let hedge = try NetRisk.aggregate(statements: [long, short], keys: [a.publicKey, b.publicKey])
        #expect(hedge.venues.map(\.venue) == ["alpha", "beta"])
        #expect(hedge.sumOfMaintenanceMargins > 0)
        #expect(hedge.nettedMaintenanceMargin < 0.05 * hedge.sumOfMaintenanceMargins)
        #expect(hedge.capitalFreed > 0.9 * hedge.sumOfMaintenanceMargins)
        let same = try NetRisk.aggregate(statements: [long, long], keys: [a.publicKey])
        #expect(abs(same.capitalFreed) <= 1e-9 * same.sumOfMaintenanceMargins)
        // A statement without its key is refused, naming it.
        #expect(throws: NetRiskFailure.self) { try NetRisk.aggregate(statements: [long, short], keys: [a.publicKey]) }
    }

    @Test("a journal's commitment: every account's proof verifies, the root is the same on every build of it")
    func commitment() async throws {
        let market = SimulatedMarket(seed: 5)
        let genesis = Population.genesis(market: market, optionsPerUnderlying: 40, accounts: 60, positionsPerAccount: 4,
                                         seed: 6, margins: { $0.accountRequirements() })
        let key = VenueKey.generate()
        let first = try VenueStatements.commitment(of: genesis, venue: "v", key: key)
        let second = try VenueStatements.commitment(of: genesis, venue: "v", key: key)
        #expect(first.root == second.root)
        #expect(first.root.accounts == genesis.accounts.count)
        for account in genesis.accounts.keys.sorted() {
            let proof = try InclusionProof(json: try first.proof(of: account))
            try proof.verify(key: key.publicKey)
        }
        // The totals are the column sums of the engine's own margins.
        let mm = try genesis.accountMargins().reduce(UInt64(0)) {
            $0 + (try CommitmentColumns(equity: $1.margin.equity, maintenanceMargin: $1.margin.maintenanceMargin,
                                        initialMargin: $1.margin.initialMargin).values[2])
        }
        #expect(first.root.totals.values[2] == mm)
        // A statement of a journaled account verifies too.
        let someone = try #require(genesis.accounts.keys.sorted().first { $0.hasPrefix("acct") })
        _ = try RiskStatement.verify(try VenueStatements.statement(of: someone, in: genesis, venue: "v", key: key),
                                     key: key.publicKey)
    }
}

/// The `result` member of a statement.
private func resultMember(_ statement: JSONValue) -> JSONValue {
    guard case .object(let pairs) = statement else { return .null }
    return pairs.first { $0.key == "result" }?.value ?? .null
}
