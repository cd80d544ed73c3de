import ArgumentParser
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger

/// `margin engine export`: the state at the end of the journal as JSON (``EngineExport``): every account in
/// `portfolio.json`'s format with exact decimals, the market in `market.json`'s, and the ledger's totals.
struct EngineExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the state at the journal's end as JSON: market, every account (system accounts too), totals.",
        discussion: """
            Amounts are JSON numbers whose literals are the ledger's exact decimals; every position carries its \
            exact cost basis beside its entry price. The journal is opened read-only (as by replay: no writer lock, \
            nothing created); nothing is written to it.
            """)

    @OptionGroup var store: EngineStoreOptions

    func run() async throws {
        let json: JSONValue
        do {
            json = try await EngineExport.json(at: store.location)
        } catch {
            throw CommandFailure(message: "export \(store.optionName) \(store.location): \(error)", exitCode: 1)
        }
        print(json.serialized())
    }
}
