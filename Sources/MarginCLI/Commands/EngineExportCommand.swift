import ArgumentParser
import MarginApp
import MarginCore
import MarginEngine

/// `margin engine export`: the state at the end of the journal as JSON (``EngineExport``): every account in
/// `portfolio.json`'s format with exact decimals, the market in `market.json`'s, and the ledger's totals.
struct EngineExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the state at the journal's end as JSON: market, every account (system accounts too), totals.",
        discussion: """
            Amounts are JSON numbers whose literals are the ledger's exact decimals; every position carries its \
            exact cost basis beside its entry price. Nothing is written to the journal.
            """)

    @OptionGroup var store: EngineStoreOptions

    func run() throws {
        do {
            let journal = store.postgres == nil ? try EngineExport.openSQLite(path: store.db) : try store.open()
            print(try EngineExport.json(of: journal).serialized())
        } catch let error as EngineError {
            throw CommandFailure(message: "export: \(error)", exitCode: 1)
        }
    }
}
