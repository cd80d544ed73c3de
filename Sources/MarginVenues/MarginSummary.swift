import MarginCore

/// IM, MM, equity and health of one account under one preset, in the preset's margin currency, with its margin
/// pools: the one summary `what-if`, `compare`, `report` and the API print, whatever the preset.
///
/// The reference model (and SPAN, OKX) has one USD pool; Deribit has one pool per settlement currency (BTC, ETH,
/// USDC), each margined in its own coin, and reports in that coin when the book has one pool, else in USD.
public struct MarginSummary: Hashable, Sendable {
    /// The preset's name: `reference`, `deribit`, `span`, `okx`.
    public var preset: String
    /// The currency of the account figures (`USD`, or a Deribit pool's coin).
    public var marginCurrency: String
    /// USD per unit of `marginCurrency` (1 for USD; the index for a coin).
    public var currencyUSD: Double
    /// Initial margin, in `marginCurrency`.
    public var initialMargin: Double
    /// Maintenance margin, in `marginCurrency`.
    public var maintenanceMargin: Double
    /// Equity, in `marginCurrency`.
    public var equity: Double
    public var health: Health
    /// The margin pools, each in its own currency (one USD pool except under Deribit).
    public var pools: [VenuePool]

    /// The reference model's report: one USD pool.
    public init(_ r: MarginReport) {
        preset = "reference"
        marginCurrency = "USD"
        currencyUSD = 1
        initialMargin = r.initialMargin
        maintenanceMargin = r.maintenanceMargin
        equity = r.equity
        health = r.health
        pools = [VenuePool(currency: "USD", currencyUSD: 1, initialMargin: r.initialMargin,
                           maintenanceMargin: r.maintenanceMargin, equity: r.equity, health: r.health)]
    }

    /// A venue preset's result.
    public init(_ r: VenueMarginResult) {
        preset = r.preset
        marginCurrency = r.marginCurrency
        currencyUSD = r.marginCurrencyUSD
        initialMargin = r.initialMargin
        maintenanceMargin = r.maintenanceMargin
        equity = r.equity
        health = r.health
        pools = r.pools
    }

    /// The account figures as the pre-trade rule reads them, in `marginCurrency`.
    public var figures: MarginFigures {
        MarginFigures(equity: equity, initialMargin: initialMargin, maintenanceMargin: maintenanceMargin)
    }

    /// The same account figures in USD (pools unchanged).
    public var inUSD: MarginSummary {
        var s = self
        s.marginCurrency = "USD"
        s.currencyUSD = 1
        s.initialMargin *= currencyUSD
        s.maintenanceMargin *= currencyUSD
        s.equity *= currencyUSD
        return s
    }

    /// `{"preset", "marginCurrency", "initialMargin", "maintenanceMargin", "equity", "health"}`.
    public var json: JSONValue {
        .object([
            ("preset", .string(preset)), ("marginCurrency", .string(marginCurrency)),
            ("initialMargin", .double(initialMargin)), ("maintenanceMargin", .double(maintenanceMargin)),
            ("equity", .double(equity)), ("health", .string(health.rawValue)),
        ])
    }
}

extension VenuePool {
    /// The pool's figures as the pre-trade rule reads them, in the pool's currency.
    public var figures: MarginFigures {
        MarginFigures(equity: equity, initialMargin: initialMargin, maintenanceMargin: maintenanceMargin)
    }
}

extension VenuePreset {
    /// The account's summary under this preset: the reference model's report (without explanation) when this is
    /// the reference preset, else the venue's result.
    ///
    /// - Throws: ``InputError`` naming the position or field for invalid input.
    public func summary(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> MarginSummary {
        if case .reference(let p) = self {
            return MarginSummary(try MarginCalculator(parameters: p).margin(of: portfolio, market: market, explain: false))
        }
        return MarginSummary(try margin(of: portfolio, market: market))
    }
}
