import ArgumentParser
import MarginApp
import MarginCore

/// `margin statement`: a signed risk statement of a book (market, portfolio, optional parameter file) that anyone can
/// recompute (docs/STATEMENTS.md).
struct StatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "A signed, recomputable risk statement of one book (docs/STATEMENTS.md).")

    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Account JSON (format of shared/examples/portfolio.json).") var portfolio: String
    @Option(help: "Risk parameter file (the reference model's; built-in values when absent).") var parameters: String?
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: JSONOutputOptions

    func run() throws {
        let key = try signing.load()
        let statement = try VenueStatements.statement(market: market, portfolio: portfolio, parameters: parameters,
                                                      venue: signing.venue, key: key)
        try output.emit(statement)
    }
}
