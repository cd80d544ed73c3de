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
        let html = HTMLReport(report: report, comparison: comparison, valuationTime: loaded.market.valuationTime).html
        guard FileManager.default.createFile(atPath: out, contents: Data(html.utf8)) else {
            throw CommandFailure(message: "--out \(out): cannot write the file", exitCode: 1)
        }
        print("wrote \(out) (\(html.utf8.count) bytes): IM \(formatNumber(report.initialMargin)) USD, "
            + "MM \(formatNumber(report.maintenanceMargin)) USD, health \(report.health.rawValue)")
    }
}
