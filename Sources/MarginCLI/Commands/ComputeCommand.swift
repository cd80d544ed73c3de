import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginVenues

/// `margin compute`: initial and maintenance margin of one account, explained.
struct ComputeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Portfolio margin of one account (MARGIN_MODEL.md), with components and explanation.")

    @OptionGroup var options: AccountOptions
    @Flag(help: "Skip marginal contributions (faster for very large books).") var noExplain = false

    func run() throws {
        let inputs = try options.load()
        guard case .reference = inputs.preset else {
            let result = try inputs.preset.margin(of: inputs.portfolio, market: inputs.market)
            switch options.format {
            case .json: print(result.json.serialized())
            case .table: print(result.table())
            }
            return
        }
        let report = try inputs.calculator.margin(of: inputs.portfolio, market: inputs.market, explain: !noExplain)
        switch options.format {
        case .json: print(report.presetJSON.serialized())
        case .table: print(report.table(color: isatty(1) != 0))
        }
    }
}
