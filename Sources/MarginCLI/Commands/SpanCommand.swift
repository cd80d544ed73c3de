import ArgumentParser
import MarginApp
import MarginCore
import MarginVenues

/// `margin span`: SPAN margin of a book given as SPAN risk arrays (16 scenarios per contract, as SPAN files give them).
struct SpanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "span",
        abstract: "SPAN margin of a book of given 16-scenario risk arrays (docs/VENUES.md, SPAN book format).",
        discussion: """
            Per combined commodity: max(scan risk + intra-commodity spread charge − inter-commodity credit, \
            short-option minimum), summed, USD. To compute arrays from a crypto book instead, use \
            `margin compute --preset span`.
            """)

    @Option(help: "SPAN book JSON: combinedCommodities (contracts with riskArray), interSpreads, positions.")
    var book: String
    @Option(help: "Parameter file of the span preset (its initialToMaintenance and takeoverRatio apply).")
    var params: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        let result = try SpanBookMargin.compute(book: book, params: params)
        switch format {
        case .json: print(result.json.serialized())
        case .table: print(result.table())
        }
    }
}
