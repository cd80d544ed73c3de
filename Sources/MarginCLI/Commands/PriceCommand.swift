import ArgumentParser
import Foundation
import MarginCore

extension OutputFormat: ExpressibleByArgument {}
extension OptionRight: ExpressibleByArgument {}
extension Settlement: ExpressibleByArgument {}

/// `margin price`: Black-76 price and Greeks of one option on one unit of the underlying.
struct PriceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "price",
        abstract: "Price one option (per 1 coin of the underlying) and its Greeks, in USD.",
        discussion: """
            Reads the forward and the vol from the market snapshot (surface interpolation of MARGIN_MODEL.md) unless \
            --vol is given. Greeks: delta per 1 USD of the index, gamma per USD², vega per 1.00 vol, theta per year, \
            rho per 1.00 of rate (forwards held).
            """)

    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Underlying, e.g. BTC.") var underlying: String
    @Option(help: "Expiry, ISO-8601 UTC (e.g. 2026-03-27T08:00:00Z).") var expiry: String
    @Option(help: "Strike, USD per coin.") var strike: Double
    @Option(help: "call or put.") var right: OptionRight
    @Option(help: "linear (USD-settled) or inverse (coin-settled).") var settlement: Settlement = .linear
    @Option(help: "Use this implied vol (decimal, 0.5 = 50%) instead of the surface's.") var vol: Double?
    @Option(help: ArgumentHelp(
        "Solve the implied vol from this premium (USD per coin for linear options, coin per coin for inverse), "
            + "then price and compute Greeks at it.",
        valueName: "premium")) var premium: Double?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        let snapshot = try MarketSnapshot(json: readJSON(market, option: "--market"))
        guard let underlyingMarket = snapshot.underlyings[underlying] else {
            throw InputError.unknownUnderlying(path: "--underlying", name: underlying)
        }
        guard let expiryInstant = Instant(iso8601: expiry) else {
            throw InputError.invalid(path: "--expiry", reason: "\"\(expiry)\" is not an ISO-8601 instant")
        }
        guard expiryInstant > snapshot.valuationTime else {
            throw InputError.invalid(path: "--expiry",
                                     reason: "\(expiryInstant) is not after valuation time \(snapshot.valuationTime)")
        }
        guard strike.isFinite, strike > 0 else {
            throw InputError.invalid(path: "--strike", reason: "must be a finite number > 0, got \(strike)")
        }
        if let vol, !(vol.isFinite && vol > 0 && vol < 100) {
            throw InputError.invalid(path: "--vol", reason: "must be a finite vol in (0, 100), got \(vol)")
        }
        if vol != nil, premium != nil {
            throw CommandFailure(message: "--vol and --premium: give one or the other")
        }
        var solvedVol: Double?
        if let premium {
            guard premium.isFinite, premium > 0 else {
                throw InputError.invalid(path: "--premium", reason: "must be a finite number > 0, got \(premium)")
            }
            let forward = underlyingMarket.forward(expiry: expiryInstant)
            let b76 = settlement == .inverse ? premium * forward : premium
            do {
                solvedVol = try ImpliedVolatility.solve(
                    price: b76, forward: forward, strike: strike,
                    years: underlyingMarket.years(to: expiryInstant), rate: underlyingMarket.rate, right: right)
            } catch {
                throw InputError.invalid(path: "--premium", reason: "no implied vol reproduces it: \(error)")
            }
        }
        let instrument = Instrument(
            underlying: underlying,
            kind: .option(OptionContract(expiry: expiryInstant, strike: strike, right: right)),
            settlement: settlement)
        let valuation: InstrumentValuation
        do {
            valuation = try InstrumentValuation(instrument: instrument, market: underlyingMarket,
                                                volOverride: vol ?? solvedVol)
        } catch {
            throw error.prefixed(error.path == "volSurface" ? "--market" : "--expiry")
        }
        let g = valuation.greeks
        switch format {
        case .json:
            var fields: [(key: String, value: JSONValue)] = [
                ("instrument", .string(instrument.description)),
                ("price", .double(valuation.valueUSD)),
            ]
            if let coin = valuation.valueCoin { fields.append(("priceCoin", .double(coin))) }
            fields += [
                ("delta", .double(g.delta)), ("gamma", .double(g.gamma)), ("vega", .double(g.vega)),
                ("theta", .double(g.theta)), ("rho", .double(g.rho)),
                ("index", .double(underlyingMarket.index)), ("forward", .double(valuation.forward)),
                ("vol", .double(valuation.vol ?? 0)), ("years", .double(valuation.years)),
                ("rate", .double(underlyingMarket.rate)),
            ]
            print(JSONValue.object(fields).serialized())
        case .table:
            print("\(instrument)  (per 1 \(underlying), USD; valuation \(snapshot.valuationTime))")
            var rows: [[String]] = [
                ["index S", formatNumber(underlyingMarket.index, digits: 2), "USD per coin"],
                ["forward F(T)", formatNumber(valuation.forward, digits: 2), "USD per coin"],
                ["years to expiry", String(format: "%.6f", valuation.years), "365-day years"],
                ["implied vol", String(format: "%.4f", valuation.vol ?? 0), vol != nil ? "--vol" : (solvedVol != nil ? "implied from --premium" : "from surface")],
                ["price", formatNumber(valuation.valueUSD, digits: 4), "USD"],
            ]
            if let coin = valuation.valueCoin {
                rows.append(["price (coin)", String(format: "%.8f", coin), underlying])
            }
            rows += [
                ["delta", String(format: "%.6f", g.delta), "USD per 1 USD of S"],
                ["gamma", String(format: "%.6e", g.gamma), "per 1 USD² of S"],
                ["vega", formatNumber(g.vega, digits: 4), "USD per 1.00 vol"],
                ["theta", formatNumber(g.theta, digits: 4), "USD per year"],
                ["rho", formatNumber(g.rho, digits: 4), "USD per 1.00 rate"],
            ]
            print(renderTable(["measure", "value", "unit"], rows))
        }
    }
}
