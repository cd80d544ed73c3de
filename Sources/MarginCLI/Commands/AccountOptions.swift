import ArgumentParser
import MarginCore

extension RiskParameters.CorrelationMode: ExpressibleByArgument {}

/// The inputs every account command shares: market, portfolio, parameters, correlation mode, format.
struct AccountOptions: ParsableArguments {
    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Account JSON (format of shared/examples/portfolio.json).") var portfolio: String
    @Option(help: "Risk parameter file; absent fields keep the reference values (built in).") var params: String?
    @Option(help: "sum (no offsets between underlyings) or correlated; overrides the parameter file.")
    var correlation: RiskParameters.CorrelationMode?
    @Option(help: "table or json.") var format: OutputFormat = .table

    /// Loaded, validated inputs.
    struct Loaded {
        var market: MarketSnapshot
        var portfolio: Portfolio
        var calculator: MarginCalculator
    }

    func load() throws -> Loaded {
        let snapshot = try decode("--market", market) { (n) throws(InputError) in try MarketSnapshot(json: n) }
        let account = try decode("--portfolio", portfolio) { (n) throws(InputError) in try Portfolio(json: n) }
        var parameters = RiskParameters.reference
        if let params {
            parameters = try decode("--params", params) { (n) throws(InputError) in try RiskParameters(json: n) }
        }
        if let correlation { parameters.correlationMode = correlation }
        do {
            try account.validate(against: snapshot)
        } catch {
            throw error.prefixed("--portfolio \(portfolio)")
        }
        return Loaded(market: snapshot, portfolio: account, calculator: MarginCalculator(parameters: parameters))
    }
}

/// Reads and decodes a JSON file; errors carry the option and file name.
func decode<T>(_ option: String, _ path: String, _ body: (JSONNode) throws(InputError) -> T) throws -> T {
    let node = try readJSON(path, option: option)
    do {
        return try body(node)
    } catch {
        throw error.prefixed("\(option) \(path)")
    }
}
