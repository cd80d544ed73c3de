import ArgumentParser
import Foundation
import MarginCore

/// `margin compute`: initial and maintenance margin of one account, explained.
struct ComputeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Portfolio margin of one account (MARGIN_MODEL.md), with components and explanation.")

    @OptionGroup var options: AccountOptions
    @Flag(help: "Skip marginal contributions (faster for very large books).") var noExplain = false

    func run() throws {
        let loaded = try options.load()
        guard case .reference = loaded.venue else {
            let result = try loaded.venue.margin(of: loaded.portfolio, market: loaded.market)
            switch options.format {
            case .json: print(result.json.serialized())
            case .table: print(result.table())
            }
            return
        }
        let report = try loaded.calculator.margin(of: loaded.portfolio, market: loaded.market, explain: !noExplain)
        switch options.format {
        case .json:
            print(report.json.inserting([("preset", .string("reference")), ("marginCurrency", .string("USD"))],
                                        after: "parameters").serialized())
        case .table: print(report.table(color: isatty(1) != 0))
        }
    }
}
