import ArgumentParser
import MarginApp
import MarginCore

/// `margin correlation`: correlations implied by a market's cross rates, realized from an index history, and the
/// table in force.
struct CorrelationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlation",
        abstract: "Implied correlation from cross-rate options, realized correlation from an index history, and the "
            + "table in force.",
        discussion: """
            Implied, per cross expiry T: ρ = (σ_base² + σ_quote² − σ_cross²) / (2 σ_base σ_quote), ATM vols read at \
            k = 0 (docs/MODEL_NOTES.md). Realized: an EWMA of log-returns sampled on a common clock from \
            --history (CSV: time,BTC,ETH,…). In force: implied at the tenor where quoted, else realized, else the \
            market's configured ρ, repaired to positive definite when needed.
            """)

    @Option(help: "Market snapshot JSON, optionally with \"crossRates\".") var market: String
    @Option(help: "Index history CSV (time,BTC,ETH,…; ISO-8601 times) for the realized estimate.") var history: String?
    @Option(help: "Half-life of the realized estimator, hours.") var halfLife: Double = 168
    @Option(help: "Sampling interval of the realized estimator, seconds.") var interval: Int = 300
    @Option(help: "Samples before the realized estimate is used.") var warmUp: Int = 100
    @Option(help: "Tenor at which implied correlation enters the table, days.") var tenor: Double = 30
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        guard halfLife.isFinite, halfLife > 0 else { throw ValidationError("--half-life must be > 0 hours") }
        guard interval > 0 else { throw ValidationError("--interval must be > 0 seconds") }
        guard warmUp >= 2 else { throw ValidationError("--warm-up must be ≥ 2 samples") }
        guard tenor.isFinite, tenor > 0 else { throw ValidationError("--tenor must be > 0 days") }
    }

    func run() throws {
        let report = try CorrelationReport.load(
            market: market, history: history,
            configuration: .init(halfLifeSeconds: halfLife * 3_600, samplingIntervalSeconds: Int64(interval),
                                 warmUpSamples: warmUp),
            rule: CorrelationTableRule(impliedTenorYears: tenor / 365))
        switch format {
        case .json: print(report.json.serialized())
        case .table: print(report.table)
        }
    }
}
