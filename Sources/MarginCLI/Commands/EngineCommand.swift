import ArgumentParser
import Foundation
import MarginApp
import MarginEngine
import MarginSimulation
import MarginStorage

/// `margin engine`: the real-time risk engine (`run` with a simulated market, `replay` to rebuild from a journal).
struct EngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Real-time risk engine: durable journal, incremental re-margining, health transitions.",
        subcommands: [EngineRunCommand.self, EngineReplayCommand.self, EngineExportCommand.self])
}

/// Where the journal lives: SQLite by default, PostgreSQL when `--postgres URL` is given.
struct EngineStoreOptions: ParsableArguments {
    @Option(help: "SQLite database file of the journal and snapshots (WAL, synchronous=FULL).")
    var db: String = "margin-engine.sqlite"
    @Option(help: "PostgreSQL URL (postgres://user:password@host:port/database); overrides --db.")
    var postgres: String?

    func open() throws -> any JournalStore {
        do {
            if let postgres { return try PostgresJournalStore(url: postgres) }
            return try SQLiteJournalStore(path: db)
        } catch {
            throw CommandFailure(message: "\(postgres == nil ? "--db" : "--postgres"): \(error)", exitCode: 1)
        }
    }
}

