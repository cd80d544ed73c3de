import ArgumentParser
import MarginApp
import MarginCore

/// `margin what-if`: the pre-trade check: margin before and after a prospective trade.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "what-if",
        abstract: "Margin before and after a prospective trade: the pre-trade check an exchange runs on every order.",
        discussion: """
            The trade file holds one position, an array of positions, or {"positions": [...]}, in the portfolio \
            format. An option leg may carry "price" (USD per coin): the premium is paid from (or received into) the \
            USD balance. Without it the trade is assumed at the current mark. The trade is accepted when equity after \
            it covers IM, or when it lowers MM without lowering equity − IM (risk-reducing); the engine applies the \
            same rule to fills. Under --preset deribit the rule applies to each margin pool the trade changes.
            """)

    @OptionGroup var options: AccountOptions
    @Option(help: "Trade JSON: a position, an array of positions, or {\"positions\": [...]}.") var trade: String

    func run() throws {
        let inputs = try options.load()
        let legs = try TradeLeg.load(trade)
        let check = try WhatIf.evaluate(inputs, legs: legs, tradeLabel: "--trade \(trade)")
        switch options.format {
        case .json: print(check.json.serialized())
        case .table: print(check.table)
        }
    }
}
