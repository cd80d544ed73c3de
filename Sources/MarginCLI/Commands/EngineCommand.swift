import ArgumentParser
import Foundation
import MarginApp
import MarginEngine
import MarginLedger

/// `margin engine`: the real-time risk engine (`run` with a simulated market, `replay` to rebuild from a journal).
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Real-time risk engine: durable journal, incremental re-margining, health transitions.",
        subcommands: [EngineRunCommand.self, EngineReplayCommand.self, EngineExportCommand.self,
                      EngineStatementCommand.self, EngineCommitCommand.self, EngineProofCommand.self])
}

/// Where the journal lives: SQLite by default, PostgreSQL when `--postgres URL` is given.
struct EngineStoreOptions: ParsableArguments {
    @Option(help: "SQLite database file of the journal and snapshots (WAL, synchronous=FULL).")
    var db: String = "margin-engine.sqlite"
    @Option(help: "PostgreSQL URL (postgres://user:password@host:port/database); overrides --db.")
    var postgres: String?
    @Option(help: "With --postgres: prefix of the journal's tables (<prefix>journal, <prefix>snapshot).")
    var tablePrefix: String = "margin_"

    var location: JournalLocation {
        postgres.map { .postgres(url: $0, tablePrefix: tablePrefix) } ?? .sqlite(path: db)
    }

    /// The option a store error is reported under.
    var optionName: String { postgres == nil ? "--db" : "--postgres" }
}
