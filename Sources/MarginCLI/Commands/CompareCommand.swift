import ArgumentParser
import MarginApp
import MarginCore
import MarginVenues

/// `margin compare`: the same account under portfolio margin and the three legacy models.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One account under portfolio margin and the legacy models, with the capital portfolio margin saves.")

    @OptionGroup var options: AccountOptions
    @Flag(help: "Every venue preset (reference, deribit, span, okx) beside the legacy models, and what binds at each.")
    var venues = false

    func run() throws {
        if venues {
            guard options.preset == nil else {
                throw InputError.invalid(path: "--preset", reason: "--venues compares every preset; drop --preset")
            }
            let inputs = try options.load()
            let presets = try PresetSelection.allPresets(params: options.params, correlation: options.correlation)
            let comparison = try VenueComparison(portfolio: inputs.portfolio, market: inputs.market, presets: presets,
                                                 legacy: inputs.parameters)
            switch options.format {
            case .json: print(comparison.json.serialized())
            case .table: print(comparison.table)
            }
            return
        }
        let inputs = try options.load()
        let comparison = try VenueComparison(portfolio: inputs.portfolio, market: inputs.market,
                                             presets: [inputs.preset], legacy: inputs.parameters)
        switch options.format {
        case .json: print(comparison.savingsJSON.serialized())
        case .table: print(comparison.savingsTable)
        }
    }
}
