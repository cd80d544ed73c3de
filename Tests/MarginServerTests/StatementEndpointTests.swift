import Foundation
import HTTPTypes
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
@testable import MarginServer
import MarginStatements
import Testing

/// Verifiable risk over the service (docs/STATEMENTS.md, "From the service"): what `GET /v1/accounts/{id}/statement`,
/// `/v1/commitment` and `/v1/accounts/{id}/proof` answer verifies with `margin verify`'s checks
/// (``StatementVerification``) against the JWK `GET /v1/venue-key` publishes; owners reach only their own account;
/// the commitment is computed once per journal sequence.
@Suite struct StatementEndpointTests {
    /// The served JWK, fetched without a key (the route is public).
    static func venueKey(_ c: TestClient) async throws -> PublicJWK {
        let r = try await c.call(.get, "/v1/venue-key", key: nil)
        #expect(r.status == .ok, "\(r.text)")
        return try PublicJWK(jsonText: r.text)
    }

    /// `text` verifies against `key` as a `kind` (exit status 0 of `margin verify`).
    static func expectValid(_ text: String, _ kind: String, key: PublicJWK, sourceLocation: SourceLocation = #_sourceLocation) {
        let outcome = StatementVerification.verify(text: text, key: key)
        #expect(outcome.kind == kind, sourceLocation: sourceLocation)
        #expect(outcome.exitCode == 0, "\(outcome.lines)", sourceLocation: sourceLocation)
    }

    @Test("a statement from the service verifies and recomputes against the JWK it publishes")
    func statementVerifies() async throws {
        let f = try await ServerFixture.open()
        let own = await f.account(0)
        let sequence = await f.engine.sequence
        try await f.run { c in
            let key = try await Self.venueKey(c)
            #expect(key == f.server.venue.key.publicKey)
            let r = try await c.call(.get, "/v1/accounts/\(own)/statement")
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.headers[.contentType] == "application/json; charset=utf-8")
            Self.expectValid(r.text, "riskStatement", key: key)
            let verified = try RiskStatement.verify(try JSONNode.parse(r.text).value, key: key)
            #expect(verified.account == own)
            #expect(verified.sequence == sequence)
            #expect(verified.venue == f.server.venue.name)
            // The bytes served are what `margin engine statement` writes for the same state (one implementation).
            let venue = f.server.venue
            let cli = try VenueStatements.statement(of: own, in: await f.engine.state, venue: venue.name, key: venue.key)
            #expect(r.text == (try CanonicalJSON.text(cli)))
            // Another venue's key does not verify it.
            let stranger = VenueKey.generate().publicKey
            #expect(StatementVerification.verify(text: r.text, key: stranger).exitCode == 1)
        }
    }

    @Test("the commitment verifies, and each account's proof reaches its signed root")
    func proofVerifiesAgainstTheCommitment() async throws {
        let f = try await ServerFixture.open()
        let names = await f.engine.state.accounts.keys.sorted()
        try await f.run { c in
            let key = try await Self.venueKey(c)
            let root = try await c.call(.get, "/v1/commitment")
            #expect(root.status == .ok, "\(root.text)")
            Self.expectValid(root.text, "riskCommitment", key: key)
            let commitment = try RiskCommitment.verify(try JSONNode.parse(root.text).value, key: key)
            #expect(commitment.accounts == names.count)
            // Byte for byte `margin engine commit` on the same state.
            let venue = f.server.venue
            let cli = try VenueStatements.commitment(of: await f.engine.state, venue: venue.name, key: venue.key)
            #expect(root.text == (try CanonicalJSON.text(cli.signed)))
            for name in names {
                let r = try await c.call(.get, "/v1/accounts/\(name)/proof")
                #expect(r.status == .ok, "\(name): \(r.text)")
                Self.expectValid(r.text, "inclusionProof", key: key)
                // Against the very commitment published.
                let proof = try InclusionProof(json: try JSONNode.parse(r.text).value)
                #expect(proof.account == name)
                #expect(try CanonicalJSON.text(proof.commitment) == root.text)
            }
        }
    }

    @Test("an owner gets its own statement and proof, never another account's (403); the commitment is theirs to read")
    func ownersReachOnlyTheirOwnAccount() async throws {
        let f = try await ServerFixture.open()
        let own = await f.account(0)
        let other = await f.account(1)
        try await f.run { c in
            let owner = try await f.key("owner", account: own, client: c)
            let feeder = try await f.key("feeder", client: c)
            for path in ["statement", "proof"] {
                #expect(try await c.call(.get, "/v1/accounts/\(own)/\(path)", key: owner).status == .ok)
                let refused = try await c.call(.get, "/v1/accounts/\(other)/\(path)", key: owner)
                #expect(refused.status == .forbidden, "\(path): \(refused.text)")
                #expect(refused.json?["error"] as? String == "forbidden")
            }
            #expect(try await c.call(.get, "/v1/commitment", key: owner).status == .ok)
            #expect(try await c.call(.get, "/v1/commitment", key: feeder).status == .forbidden)
            #expect(try await c.call(.get, "/v1/commitment", key: nil).status == .unauthorized)
        }
    }

    @Test("unknown account: 404 for its statement and its proof")
    func unknownAccount() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            for path in ["statement", "proof"] {
                let r = try await c.call(.get, "/v1/accounts/nosuch/\(path)")
                #expect(r.status == .notFound, "\(path): \(r.text)")
                #expect(r.json?["error"] as? String == "not_found")
                #expect((r.json?["message"] as? String)?.contains("nosuch") == true)
            }
        }
    }

    @Test("the commitment is the same at the same sequence (computed once, also under concurrent requests) and changes after a trade")
    func commitmentPerSequence() async throws {
        let f = try await ServerFixture.open()
        let (trader, provider, perp) = await LiquidationEndpointTests.parties(f)
        let state = await f.engine.state
        let index = state.markets[state.instruments[perp]!.underlying]!.index
        try await f.run { c in
            let first = try await c.call(.get, "/v1/commitment")
            #expect(first.status == .ok, "\(first.text)")
            let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 { group.addTask { try await c.call(.get, "/v1/commitment").text } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(concurrent.allSatisfy { $0 == first.text })
            #expect(await f.server.commitments.computations == 1)
            let trade = #"{"buyer":"\#(trader)","seller":"\#(provider)","instrument":"\#(perp)","quantity":"0.5","price":\#(Int(index))}"#
            let traded = try await c.call(.post, "/v1/trades", body: trade)
            #expect(traded.status == .ok, "\(traded.text)")
            let after = try await c.call(.get, "/v1/commitment")
            #expect(after.status == .ok, "\(after.text)")
            #expect(await f.server.commitments.computations == 2)
            let key = f.server.venue.key.publicKey
            let before = try RiskCommitment.verify(try JSONNode.parse(first.text).value, key: key)
            let now = try RiskCommitment.verify(try JSONNode.parse(after.text).value, key: key)
            #expect(now.sequence > before.sequence)
            let tradeSequence = try #require(traded.json?["sequence"] as? Int)
            #expect(now.sequence >= UInt64(tradeSequence))
            #expect(now.root != before.root)
            // The trader's proof is against the new root, with its new figures.
            let proof = try await c.call(.get, "/v1/accounts/\(trader)/proof")
            let p = try InclusionProof(json: try JSONNode.parse(proof.text).value)
            #expect(try p.verify(key: key).root == now.root)
        }
    }
}
