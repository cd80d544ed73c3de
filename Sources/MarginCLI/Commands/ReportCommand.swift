import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginVenues

/// `margin report`: a self-contained HTML risk report of one account.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: risk-array heat maps, price-loss curve, components, Greeks, "
            + "legacy comparison.")

    @OptionGroup var options: AccountOptions
    @Option(help: "Output HTML file.") var out: String

    func run() throws {
        let document = try AccountReport(try options.load())
        guard FileManager.default.createFile(atPath: out, contents: Data(document.html.utf8)) else {
            throw CommandFailure(message: "--out \(out): cannot write the file", exitCode: 1)
        }
        let summary = document.summary
        let d = amountDigits(summary.marginCurrency)
        let currency = summary.marginCurrency
        print("wrote \(out) (\(document.html.utf8.count) bytes): preset \(summary.preset), "
            + "IM \(formatNumber(summary.initialMargin, digits: d)) \(currency), "
            + "MM \(formatNumber(summary.maintenanceMargin, digits: d)) \(currency), health \(summary.health.rawValue)")
    }
}
