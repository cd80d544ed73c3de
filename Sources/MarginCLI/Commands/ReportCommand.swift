import ArgumentParser
import Foundation
import MarginCore

/// `margin report`: a self-contained HTML risk report of one account.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: risk-array heat maps, price-loss curve, components, Greeks, "
            + "legacy comparison.")

    @OptionGroup var options: AccountOptions
    @Option(help: "Output HTML file.") var out: String

    func run() throws {
        let loaded = try options.load()
        let report = try loaded.calculator.margin(of: loaded.portfolio, market: loaded.market, explain: true)
        let comparison = try ModelComparison(loaded)
        var html = HTMLReport(report: report, comparison: comparison, valuationTime: loaded.market.valuationTime).html
        var summary = MarginSummary(report)
        if case .reference = loaded.venue {} else {
            let venue = try loaded.venue.margin(of: loaded.portfolio, market: loaded.market)
            html = html.replacingOccurrences(of: "</body>", with: venue.htmlSection + "</body>")
            summary = MarginSummary(venue)
        }
        guard FileManager.default.createFile(atPath: out, contents: Data(html.utf8)) else {
            throw CommandFailure(message: "--out \(out): cannot write the file", exitCode: 1)
        }
        let d = amountDigits(summary.marginCurrency)
        let currency = summary.marginCurrency
        print("wrote \(out) (\(html.utf8.count) bytes): preset \(summary.preset), "
            + "IM \(formatNumber(summary.initialMargin, digits: d)) \(currency), "
            + "MM \(formatNumber(summary.maintenanceMargin, digits: d)) \(currency), health \(summary.health.rawValue)")
    }
}
