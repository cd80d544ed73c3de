import ArgumentParser
import MarginApp
import MarginCore

extension OptionRight: ExpressibleByArgument {}
extension Settlement: ExpressibleByArgument {}

/// `margin price`: Black-76 price and Greeks of one option on one unit of the underlying.
struct PriceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "price",
        abstract: "Price one option (per 1 coin of the underlying) and its Greeks, in USD.",
        discussion: """
            Reads the forward and the vol from the market snapshot (surface interpolation of MARGIN_MODEL.md) unless \
            --vol is given. Greeks: delta per 1 USD of the index, gamma per USD², vega per 1.00 vol, theta per year, \
            rho per 1.00 of rate (forwards held).
            """)

    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Underlying, e.g. BTC.") var underlying: String
    @Option(help: "Expiry, ISO-8601 UTC (e.g. 2026-03-27T08:00:00Z).") var expiry: String
    @Option(help: "Strike, USD per coin.") var strike: Double
    @Option(help: "call or put.") var right: OptionRight
    @Option(help: "linear (USD-settled) or inverse (coin-settled).") var settlement: Settlement = .linear
    @Option(help: "Use this implied vol (decimal, 0.5 = 50%) instead of the surface's.") var vol: Double?
    @Option(help: ArgumentHelp(
        "Solve the implied vol from this premium (USD per coin for linear options, coin per coin for inverse), "
            + "then price and compute Greeks at it.",
        valueName: "premium")) var premium: Double?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        let snapshot = try InputFile.decode(market, option: "--market") { (n) throws(InputError) in
            try MarketSnapshot(json: n)
        }
        let quote = try OptionQuote(snapshot: snapshot, underlying: underlying, expiry: expiry, strike: strike,
                                    right: right, settlement: settlement, vol: vol, premium: premium)
        switch format {
        case .json: print(quote.json.serialized())
        case .table: print(quote.table)
        }
    }
}
