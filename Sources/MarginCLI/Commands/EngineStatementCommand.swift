import ArgumentParser
import MarginApp
import MarginCore
import MarginLedger

/// `margin engine statement --db PATH --account A --key K`: the signed risk statement of a journaled account.
struct EngineStatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "A signed, recomputable risk statement of one journaled account.")

    @OptionGroup var store: EngineStoreOptions
    @Option(help: "The account.") var account: String
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: JSONOutputOptions

    func run() async throws {
        let key = try signing.load()
        let state = try await EngineJournalState.load(store)
        do {
            try output.emit(try VenueStatements.statement(of: account, in: state, venue: signing.venue, key: key))
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(message: "--account \(account): \(error)", exitCode: 1)
        }
    }
}

/// `margin engine commit --db PATH --key K`: the signed Merkle-sum commitment over every account of the journal.
struct EngineCommitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit", abstract: "The signed Merkle-sum commitment over every journaled account (its root object).")

    @OptionGroup var store: EngineStoreOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: JSONOutputOptions

    func run() async throws {
        let key = try signing.load()
        let state = try await EngineJournalState.load(store)
        let commitment: EngineCommitment
        do { commitment = try VenueStatements.commitment(of: state, venue: signing.venue, key: key) } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
        try output.emit(commitment.signed)
    }
}

/// `margin engine proof --db PATH --account A --key K`: an account's inclusion proof in the commitment of the journal.
struct EngineProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "An account's inclusion proof in the commitment over the journal's accounts.")

    @OptionGroup var store: EngineStoreOptions
    @Option(help: "The account.") var account: String
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: JSONOutputOptions

    func run() async throws {
        let key = try signing.load()
        let state = try await EngineJournalState.load(store)
        let proof: JSONValue
        do { proof = try VenueStatements.commitment(of: state, venue: signing.venue, key: key).proof(of: account) } catch {
            throw CommandFailure(message: "--account \(account): \(error)", exitCode: 1)
        }
        try output.emit(proof)
    }
}

/// The journal's state at its end, read-only, for the statement commands.
enum EngineJournalState {
    static func load(_ store: EngineStoreOptions) async throws -> EngineState {
        do { return try await VenueStatements.state(at: store.location) } catch {
            throw CommandFailure(message: "\(store.optionName) \(store.location): \(error)", exitCode: 1)
        }
    }
}
