import Foundation
import MarginCore

/// The price and Greeks of one option on one coin of its underlying (`margin price`, the API's pricing): the
/// forward and vol read from a market snapshot (MARGIN_MODEL.md's surface rules), a given vol, or the vol implied by
/// a premium.
public struct OptionQuote: Sendable {
    /// Where the vol came from.
    public enum VolSource: String, Sendable {
        case surface, given, implied
    }

    public var instrument: Instrument
    /// The underlying's market the option is valued in.
    public var market: UnderlyingMarket
    public var valuationTime: Instant
    /// Value and Greeks of one coin's option, USD (`valueCoin` for inverse options).
    public var valuation: InstrumentValuation
    public var volSource: VolSource

    /// Prices the option described by the arguments as a user gave them.
    ///
    /// - Parameters:
    ///   - expiry: ISO-8601 UTC text.
    ///   - vol: a vol (decimal) to use instead of the surface's.
    ///   - premium: USD per coin (linear) or coin per coin (inverse): solve the implied vol from it.
    /// - Throws: ``InputError`` naming `--underlying`, `--expiry`, `--strike`, `--vol`, `--premium` or `--market`.
    public init(snapshot: MarketSnapshot, underlying: String, expiry: String, strike: Double, right: OptionRight,
                settlement: Settlement, vol: Double? = nil, premium: Double? = nil) throws(InputError) {
        guard let market = snapshot.underlyings[underlying] else {
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
            throw InputError.invalid(path: "--vol and --premium", reason: "give one or the other")
        }
        var solvedVol: Double?
        if let premium {
            guard premium.isFinite, premium > 0 else {
                throw InputError.invalid(path: "--premium", reason: "must be a finite number > 0, got \(premium)")
            }
            let forward = market.forward(expiry: expiryInstant)
            let b76 = settlement == .inverse ? premium * forward : premium
            do {
                solvedVol = try ImpliedVolatility.solve(
                    price: b76, forward: forward, strike: strike,
                    years: market.years(to: expiryInstant), rate: market.rate, right: right)
            } catch {
                throw InputError.invalid(path: "--premium", reason: "no implied vol reproduces it: \(error)")
            }
        }
        instrument = Instrument(
            underlying: underlying,
            kind: .option(OptionContract(expiry: expiryInstant, strike: strike, right: right)),
            settlement: settlement)
        do {
            valuation = try InstrumentValuation(instrument: instrument, market: market, volOverride: vol ?? solvedVol)
        } catch {
            throw error.prefixed(error.path == "volSurface" ? "--market" : "--expiry")
        }
        self.market = market
        valuationTime = snapshot.valuationTime
        volSource = vol != nil ? .given : (solvedVol != nil ? .implied : .surface)
    }

    /// `{"instrument", "price", "priceCoin" (inverse), "delta", "gamma", "vega", "theta", "rho", "index", "forward",
    /// "vol", "years", "rate"}`, USD per coin of the underlying.
    public var json: JSONValue {
        let g = valuation.greeks
        var fields: [(key: String, value: JSONValue)] = [
            ("instrument", .string(instrument.description)),
            ("price", .double(valuation.valueUSD)),
        ]
        if let coin = valuation.valueCoin { fields.append(("priceCoin", .double(coin))) }
        fields += [
            ("delta", .double(g.delta)), ("gamma", .double(g.gamma)), ("vega", .double(g.vega)),
            ("theta", .double(g.theta)), ("rho", .double(g.rho)),
            ("index", .double(market.index)), ("forward", .double(valuation.forward)),
            ("vol", .double(valuation.vol ?? 0)), ("years", .double(valuation.years)),
            ("rate", .double(market.rate)),
        ]
        return .object(fields)
    }

    /// The quote as a table of measures with their units.
    public var table: String {
        let g = valuation.greeks
        let underlying = instrument.underlying
        let source: String
        switch volSource {
        case .given: source = "--vol"
        case .implied: source = "implied from --premium"
        case .surface: source = "from surface"
        }
        var rows: [[String]] = [
            ["index S", formatNumber(market.index, digits: 2), "USD per coin"],
            ["forward F(T)", formatNumber(valuation.forward, digits: 2), "USD per coin"],
            ["years to expiry", String(format: "%.6f", valuation.years), "365-day years"],
            ["implied vol", String(format: "%.4f", valuation.vol ?? 0), source],
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
        return "\(instrument)  (per 1 \(underlying), USD; valuation \(valuationTime))\n"
            + renderTable(["measure", "value", "unit"], rows)
    }
}
