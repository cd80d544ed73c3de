import ArgumentParser
import MarginApp
import MarginCore

/// `margin liquidation-price`: per underlying, the nearest index levels below and above today's at which the
/// account's equity would equal its maintenance margin.
struct LiquidationPriceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidation-price",
        abstract: "The index levels, nearest below and above today's, at which equity = maintenance margin.",
        discussion: """
            Reference model, sum mode. At a level S(1+m) of one underlying, its index, perpetual price and every \
            forward move by (1+m) and its vol surface is unchanged in strike and expiry (sticky strike); time, \
            rates and the other underlyings are unchanged. Futures and perpetuals without an entry price count as \
            entered at today's mark. Searched between 1% and 10× of today's index; a side with no level is null.
            """)

    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Account JSON (format of shared/examples/portfolio.json).") var portfolio: String
    @Option(help: "Reference-model parameter file; absent fields keep the reference values.") var params: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        let inputs = try AccountInputs.load(market: market, portfolio: portfolio, preset: "reference", params: params)
        let prices = try LiquidationPriceSearch(parameters: inputs.parameters)
            .prices(of: inputs.portfolio, market: inputs.market)
        switch format {
        case .json: print(prices.json.serialized())
        case .table: print(prices.table)
        }
    }
}
