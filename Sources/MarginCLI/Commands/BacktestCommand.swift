import ArgumentParser
import Foundation
import MarginApp
import MarginCore

/// `margin backtest`: a book template margined on every day of a price history under each model, with Kupiec's test
/// and the Basel traffic light.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest margin coverage on a price history: exceptions, Kupiec's test, Basel traffic light.",
        discussion: """
            Each day t from the 31st date the template is instantiated (moneyness, tenorDays), margined under each \
            model and revalued H days later (zero rates and basis; flat vol: the .vol column, else the RiskMetrics \
            EWMA proxy, λ = 0.94). An exception is a day whose loss exceeds the margin (docs/BACKTEST.md).
            """)

    @Option(help: "Price history CSV: date,NAME[,NAME.vol…], or a Yahoo-style file with --underlying.")
    var history: String
    @Option(help: "The underlying a Yahoo-style history (Date,Open,High,Low,Close,…) is for; its Close is used.")
    var underlying: String?
    @Flag(help: "A price or vol given as null (Yahoo's day without data) takes the previous day's value (listed).")
    var carryForward = false
    @Option(help: "Book template JSON: the portfolio format, options may give moneyness and tenorDays.")
    var book: String
    @Option(help: "Parameter file (reference fields, and deribit/span/okx sections).") var parameters: String?
    @Option(help: "H, days between the margin and the revaluation.") var horizonDays: Int = 1
    @Option(help: "C, the coverage tested, in [0.5, 0.999999] (0.99).") var coverage: Double = 0.99
    @Option(help: "Comma-separated models: portfolio,fixedPercentage,standardCross,deribit,span,okx (and isolated).")
    var models: String = BacktestModels.defaults.joined(separator: ",")
    @Option(help: "priceRange: the smallest scan range at which the portfolio model reaches the coverage.")
    var calibrate: String?
    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: "Also write a self-contained HTML report to this file.") var out: String?

    func run() throws {
        if let calibrate, calibrate != "priceRange" {
            throw InputError.invalid(path: "--calibrate", reason: "\"\(calibrate)\" is not one of \"priceRange\"")
        }
        let inputs = try BacktestInputs.load(history: history, underlying: underlying, carryForward: carryForward, book: book,
                                             parameters: parameters)
        let backtest = try MarginBacktest(inputs: inputs, horizonDays: horizonDays, coverage: coverage,
                                          models: try BacktestModels.names(models), bookLabel: "--book \(book)")
        let progress = BacktestProgress(enabled: format == .table && isatty(2) != 0)
        let result = try backtest.run(progress: { progress.show("backtest", $0, $1) })
        let calibration = try calibrate.map { _ in
            try backtest.calibratePriceRange(progress: { progress.show("calibrating priceRange", $0, $1) })
        }
        progress.clear()
        if let out {
            let document = BacktestHTMLReport(result: result, account: inputs.template.account).html
            guard FileManager.default.createFile(atPath: out, contents: Data(document.utf8)) else {
                throw CommandFailure(message: "--out \(out): cannot write the file", exitCode: 1)
            }
        }
        switch format {
        case .json:
            var json = result.json
            if let calibration, case .object(var pairs) = json {
                pairs.append((key: "calibration", value: calibration.json))
                json = .object(pairs)
            }
            print(json.serialized())
        case .table:
            print(result.table)
            if let calibration { print("\n" + calibration.table(against: result)) }
            if let out { print("wrote \(out)") }
        }
    }
}

/// A progress line on stderr, rewritten in place; silent when disabled (not a terminal, or JSON output).
struct BacktestProgress {
    var enabled: Bool

    func show(_ what: String, _ done: Int, _ total: Int) {
        guard enabled, done == total || done % 16 == 0 else { return }
        printError("\r\(what): \(done)/\(total)", newline: false)
    }

    func clear() {
        if enabled { printError("\r\u{1B}[K", newline: false) }
    }
}
