import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

/// The venue's verifiable outputs (docs/STATEMENTS.md), shared by `margin statement`, `margin engine
/// statement|commit|proof` and the service: a signed risk statement of a book or of a journaled account, and the
/// signed Merkle-sum commitment over every account of a journal with each account's inclusion proof.
public enum VenueStatements {
    /// The venue's name in what is signed when none is given (`--venue`).
    public static let defaultVenue = "margin"

    /// The statement of a book given as files (market, portfolio, optional parameter file; the reference model).
    ///
    /// - Throws: ``InputError`` naming the option and field; ``StatementError`` when the book cannot be stated.
    public static func statement(market: String, portfolio: String, parameters: String?, venue: String,
                                 key: VenueKey, sequence: UInt64 = 0) throws -> JSONValue {
        let inputs = try AccountInputs.load(market: market, portfolio: portfolio, params: parameters)
        return try RiskStatement.make(venue: venue, sequence: sequence, valuationTime: inputs.market.valuationTime,
                                      market: inputs.market.json, parameters: inputs.parameters.json,
                                      portfolio: inputs.portfolio, key: key)
    }

    /// The statement of `account` in `state` (its balances and positions as the engine margins them, the state's
    /// market and parameters), at the state's sequence.
    ///
    /// - Throws: ``StatementFailure/unknownAccount(_:)``; ``StatementError`` when it cannot be stated (fail closed).
    public static func statement(of account: String, in state: EngineState, venue: String, key: VenueKey) throws
        -> JSONValue
    {
        guard let inputs = AccountInputs(engineAccount: account, in: state) else {
            throw StatementFailure.unknownAccount(account)
        }
        return try statement(of: inputs, sequence: state.sequence, venue: venue, key: key)
    }

    /// The statement of an engine account's `inputs` (``AccountInputs/init(engineAccount:in:)``, or
    /// ``RiskEngine/statementInputs(of:)`` beside a live engine) read at journal `sequence`: its portfolio under the
    /// reference model on `inputs.parameters`, valued at the market's time. The service reads the inputs in one hop
    /// on the engine's thread and signs here, off it.
    ///
    /// - Throws: ``StatementError`` when the account cannot be stated (fail closed: its risk cannot be computed).
    public static func statement(of inputs: AccountInputs, sequence: UInt64, venue: String, key: VenueKey)
        throws(StatementError) -> JSONValue
    {
        try RiskStatement.make(venue: venue, sequence: sequence, valuationTime: inputs.market.valuationTime,
                               market: inputs.market.json, parameters: inputs.parameters.json,
                               portfolio: inputs.portfolio, key: key)
    }

    /// The commitment over every account of `state` (the engine's own margins: one pass of its model) and its
    /// tree, for proofs.
    ///
    /// - Throws: ``StatementError`` naming the account whose figures cannot be committed (not finite, too large).
    public static func commitment(of state: EngineState, venue: String, key: VenueKey) throws -> EngineCommitment {
        var accounts: [(id: String, columns: CommitmentColumns)] = []
        let margins = state.accountMargins()
        accounts.reserveCapacity(margins.count)
        for (name, m) in margins {
            do {
                accounts.append((name, try CommitmentColumns(equity: m.equity, maintenanceMargin: m.maintenanceMargin,
                                                             initialMargin: m.initialMargin)))
            } catch {
                throw StatementFailure.uncommittable(account: name, error)
            }
        }
        let tree = try MerkleSumTree(accounts: accounts, key: key)
        let root = RiskCommitment(venue: venue, sequence: state.sequence, valuationTime: state.time.iso8601, tree: tree)
        return EngineCommitment(tree: tree, root: root, signed: try root.signed(with: key))
    }

    /// The state at the end of the journal at `location`, opened read-only (beside a live engine).
    public static func state(at location: JournalLocation) async throws -> EngineState {
        let store = try await location.openForReading()
        do {
            let state = try await EngineState.recovered(from: store)
            await store.close()
            return state
        } catch {
            await store.close()
            throw error
        }
    }
}

/// A commitment with its tree (for inclusion proofs) and its signed root object.
public struct EngineCommitment: Sendable {
    public var tree: MerkleSumTree
    public var root: RiskCommitment
    public var signed: JSONValue

    /// `account`'s inclusion proof.
    ///
    /// - Throws: ``StatementFailure/unknownAccount(_:)``.
    public func proof(of account: String) throws -> JSONValue {
        guard let proof = InclusionProof(account: account, tree: tree, signedCommitment: signed) else {
            throw StatementFailure.unknownAccount(account)
        }
        return proof.json
    }
}

/// Why the venue could not state or commit.
public enum StatementFailure: Error, CustomStringConvertible, Sendable {
    case unknownAccount(String)
    case uncommittable(account: String, StatementError)

    public var description: String {
        switch self {
        case .unknownAccount(let a): return "account \(a) is not in the journal"
        case .uncommittable(let a, let e): return "account \(a): \(e) (nothing committed: a risk that cannot be computed is never counted as zero)"
        }
    }
}
