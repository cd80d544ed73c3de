import Foundation
import Hummingbird
import Logging
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

extension MarginServer {
    /// Verifiable risk (docs/STATEMENTS.md), signed with the venue's key (``VenueIdentity``):
    ///
    /// - `GET /v1/accounts/{id}/statement`: the account's signed risk statement at the engine's durable state (an
    ///   owner: its own account only);
    /// - `GET /v1/commitment`: the latest signed Merkle-sum commitment over every account (``CommitmentCache``);
    /// - `GET /v1/accounts/{id}/proof`: the account's inclusion proof in the latest commitment computed;
    /// - `GET /v1/venue-key`: the venue's public JWK (public: anyone verifies).
    ///
    /// Answers are the RFC 8785 text of the signed objects, the bytes the CLI writes (`margin engine
    /// statement|commit|proof`, which share ``VenueStatements``). The computations run on the compute pool on a
    /// value read in one hop on the engine's thread, never on the writer.
    func addStatementRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.get, "/v1/venue-key", scope: nil)) { [self] _, _ in
            try Self.canonical(venue.key.publicKey.json)
        }
        route(router, RouteSpec(.get, "/v1/commitment", scope: .accountRead, heavy: true)) { [self] _, _ in
            try Self.canonical(try await latestCommitment().signed)
        }
        route(router, RouteSpec(.get, "/v1/accounts/{id}/statement", scope: .accountRead, accountBound: true,
                                heavy: true)) { [self] _, context in
            let engine = try readyEngine()
            let id = try context.parameters.require("id")
            guard let stated = await engine.statementInputs(of: id) else {
                throw APIError.notFound("unknown account \"\(id)\"")
            }
            let venue = self.venue
            let statement = try await compute(context, units: stated.inputs.portfolio.positions.count) {
                do throws(StatementError) {
                    return try VenueStatements.statement(of: stated.inputs, sequence: stated.sequence,
                                                         venue: venue.name, key: venue.key)
                } catch {
                    throw APIError(.unprocessableContent, "rejected",
                                   "account \(id) cannot be stated: \(error) (a risk that cannot be computed is "
                                       + "never stated)")
                }
            }
            return try Self.canonical(statement)
        }
        route(router, RouteSpec(.get, "/v1/accounts/{id}/proof", scope: .accountRead, accountBound: true,
                                heavy: true)) { [self] _, context in
            let engine = try readyEngine()
            let id = try context.parameters.require("id")
            // Known before a commitment is computed: an account is never removed, so a later commitment holds it.
            guard await engine.accountExists(id) else { throw APIError.notFound("unknown account \"\(id)\"") }
            // Against the latest commitment published (a GET of it, or the last snapshot's), so that a client holding
            // that root gets its proof; a new one when there is none yet or it predates the account.
            if let cached = await commitments.cached, let proof = try? cached.proof(of: id) {
                return try Self.canonical(proof)
            }
            let proof: JSONValue
            do { proof = try await latestCommitment().proof(of: id) } catch let failure as StatementFailure {
                throw APIError.notFound("\(failure)")
            }
            return try Self.canonical(proof)
        }
    }

    /// The latest commitment, at the engine's durable sequence as of now or later (``CommitmentCache``): computed on
    /// the compute pool from the state value (one hop on the engine's thread), or the cached one when the sequence
    /// has not moved.
    ///
    /// - Throws: 503 while the engine recovers or when the computations' queue is full (`busy`); 422 `rejected`
    ///   naming an account whose figures cannot be committed (its risk unavailable: nothing is committed).
    func latestCommitment() async throws -> EngineCommitment {
        let engine = try readyEngine()
        let sequence = await engine.sequence
        let (venue, pool, queueLimit) = (self.venue, computePool, configuration.compute.queueLimit)
        return try await commitments.commitment(atLeast: sequence) {
            let state = await engine.state
            let commitment = try await pool.run(queueLimit: queueLimit) { () throws -> EngineCommitment in
                do { return try VenueStatements.commitment(of: state, venue: venue.name, key: venue.key) } catch {
                    throw APIError(.unprocessableContent, "rejected", "no commitment at sequence \(state.sequence): \(error)")
                }
            }
            guard let commitment else {
                throw APIError(.serviceUnavailable, "busy", "\(queueLimit) computations are waiting already",
                               headers: [.retryAfter: "1"])
            }
            return commitment
        }
    }

    /// Computes the commitment after a background snapshot, so that `GET /v1/commitment` answers it at once while the
    /// engine stands still; a failure is logged (requests then say why).
    func commitAfterSnapshot() async {
        do {
            let c = try await latestCommitment()
            logger.info("commitment", metadata: ["sequence": "\(c.root.sequence)", "accounts": "\(c.root.accounts)",
                                                 "root": "\(Hex.encode(c.root.root))"])
        } catch {
            logger.error("commitment failed", metadata: ["error": "\(error)"])
        }
    }

    /// A signed object's RFC 8785 text (the bytes that are signed, as the CLI writes them).
    static func canonical(_ value: JSONValue) throws(APIError) -> Response {
        do { return JSONResponse.text(try CanonicalJSON.text(value), contentType: "application/json; charset=utf-8") } catch {
            throw APIError(.internalServerError, "internal", "the signed object cannot be written: \(error)")
        }
    }
}
