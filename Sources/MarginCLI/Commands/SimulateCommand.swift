import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// `margin simulate`: a crash replay: a population through a price path with the engine, the books and the
/// liquidation engine live, on a journal.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Crash replay: a population of traders, liquidity providers and backstops through a price path, "
            + "with margin calls, partial liquidations, takeovers and auto-deleveraging.",
        discussion: """
            Scenarios: march-2020 (−39% in a day, vol doubling), three-day-50, squeeze-25, slow-bleed; or --path \
            FILE.csv (time,BTC,ETH,… with optional BTC.vol columns). Every engine decision is a journaled event: \
            with --db the journal is kept (margin engine replay/export read it); without, it is in memory.
            """)

    @Option(help: "Built-in scenario: march-2020, three-day-50, squeeze-25 or slow-bleed.") var scenario: String?
    @Option(help: "A price path CSV instead of a scenario (time,BTC,ETH,… and optional <name>.vol columns).")
    var path: String?
    @Option(help: "Traders in the population.") var accounts: Int = 2_000
    @Option(help: "The insurance fund at the start, USD.") var insuranceFund: Double = 1_000_000
    @Option(help: "Seed of the population and the scenario's noise.") var seed: UInt64 = 1
    @Option(help: "SQLite journal to write (a new file); in memory when absent.") var db: String?
    @Option(help: "Write a self-contained HTML report here.") var out: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        guard (scenario == nil) != (path == nil) else { throw ValidationError("give --scenario or --path (one of them)") }
        guard (1...1_000_000).contains(accounts) else { throw ValidationError("--accounts must be in 1...1000000") }
        guard insuranceFund.isFinite, insuranceFund >= 0, insuranceFund < 1e15 else {
            throw ValidationError("--insurance-fund must be in [0, 1e15) USD")
        }
    }

    func run() async throws {
        let pricePath: PricePath
        if let scenario {
            pricePath = try CrashScenario.named(scenario).path(seed: seed)
        } else {
            let file = path ?? ""
            let bytes = try InputFile.bytes(file, option: "--path")
            do {
                pricePath = try PricePath(csv: String(decoding: bytes, as: UTF8.self), name: file)
            } catch {
                throw error.prefixed("--path \(file)")
            }
        }
        var configuration = CrashReplay.Configuration(path: pricePath)
        configuration.accounts = accounts
        configuration.insuranceFund = Decimal(Int64((insuranceFund * 100).rounded())) / 100
        configuration.seed = seed
        let store: any JournalStore
        do {
            store = try await JournalLocation.createNew(db.map { .sqlite(path: $0) })
        } catch is JournalLocation.Exists {
            throw CommandFailure(message: "--db \(db ?? ""): exists; a replay writes a new journal")
        }
        let tty = isatty(2) != 0
        let result = try await CrashReplay.run(configuration, store: store) { line in
            if tty { FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8)) }
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        if let out {
            let html = CrashReplayReport(result).html
            guard FileManager.default.createFile(atPath: out, contents: Data(html.utf8)) else {
                throw CommandFailure(message: "--out \(out): cannot write the file", exitCode: 1)
            }
        }
        switch format {
        case .json: print(result.json.serialized())
        case .table: print(result.table)
        }
        if !result.invariantViolations.isEmpty {
            throw CommandFailure(message: "ledger invariants violated (\(result.invariantViolations.count))", exitCode: 1)
        }
    }
}
