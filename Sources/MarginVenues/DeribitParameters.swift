import MarginCore

/// The parameters of Deribit's portfolio margin (2024 model; VENUE_PRESETS.md, Deribit's `private/pme/simulate`
/// `model_params`), with Deribit's published values as defaults.
///
/// Per currency pair (underlying, e.g. `BTC` for btc_usd): the scan grid, vol shocks, extended table and delta shock.
/// Per settlement currency (risk pool: `BTC`, `ETH`, `USDC` for linear contracts): roll shock, dampener and
/// `pnl_offset`. Money fields are USD; rates are decimals.
public struct DeribitParameters: Hashable, Sendable {
    /// Scan parameters of one currency pair (`model_params.currency_pair.<x>_usd`).
    public struct Pair: Hashable, Sendable {
        /// `price_range` r: the standard grid spans [−r, +r].
        public var priceRange: Double
        /// `buckets_count` b: `2·b + 1` price points.
        public var bucketsCount: Int = 4
        /// `volatility_range_up` / `volatility_range_down`.
        public var volatilityRangeUp: Double
        public var volatilityRangeDown: Double = 0.25
        /// `short_term_vega_power` (DTE ≤ 30 days) / `long_term_vega_power`.
        public var shortTermVegaPower: Double = 0.30
        public var longTermVegaPower: Double = 0.13
        /// `min_volatility_for_shock_up` (absolute vol).
        public var minVolatilityForShockUp: Double = 0.5
        /// `extended_table_factor`.
        public var extendedTableFactor: Double = 1
        /// The extended table's price moves (vol up only).
        public var extendedMoves: [Double] = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5]
        /// `delta_total_liq_shock_threshold`, USD.
        public var deltaShockThresholdUSD: Double = 20_000_000
        /// `max_delta_shock`.
        public var maxDeltaShock: Double = 0.1
        /// `m_inc`.
        public var deltaShockIncrement: Double

        /// btc_usd.
        public static let btc = Pair(priceRange: 0.16, volatilityRangeUp: 0.5, deltaShockIncrement: 0.00005)
        /// eth_usd.
        public static let eth = Pair(priceRange: 0.18, volatilityRangeUp: 0.4, deltaShockIncrement: 0.000004)
    }

    /// Parameters of one settlement currency (`model_params.currency.<x>`).
    public struct Currency: Hashable, Sendable {
        /// `annualised_move_risk`.
        public var annualisedMoveRisk: Double
        /// `min_annualised_move` (also the perpetual's roll move).
        public var minAnnualisedMove: Double
        /// `extended_dampener`, USD.
        public var extendedDampenerUSD: Double
        /// `pnl_offset`: multiplier on a scenario's positive P&L.
        public var pnlOffset: Double

        public static let btc = Currency(
            annualisedMoveRisk: 0.075, minAnnualisedMove: 0.01,
            extendedDampenerUSD: 100_000, pnlOffset: 0)
        public static let eth = Currency(
            annualisedMoveRisk: 0.05, minAnnualisedMove: 0.005,
            extendedDampenerUSD: 200_000, pnlOffset: 0.6)
        /// Deribit's `usd` currency, used for the USDC pool of linear contracts.
        public static let usdc = Currency(
            annualisedMoveRisk: 0.1, minAnnualisedMove: 0.01,
            extendedDampenerUSD: 25_000, pnlOffset: 0)
    }

    /// Pairs by underlying; `defaultPair` for the others.
    public var pairs: [String: Pair] = ["BTC": .btc, "ETH": .eth]
    /// Used for underlyings without an entry in `pairs` (ETH's values: the wider range). A choice of this project.
    public var defaultPair: Pair = .eth
    /// Settlement currencies (pools) by code; `defaultCurrency` for the others.
    public var currencies: [String: Currency] = ["BTC": .btc, "ETH": .eth, "USDC": .usdc]
    /// Used for coin pools without an entry in `currencies` (ETH's values). A choice of this project.
    public var defaultCurrency: Currency = .eth
    /// `mm_factor`: `MM = mm_factor · risk_matrix_margin`; `IM = risk_matrix_margin`.
    public var mmFactor: Double = 0.8
    /// `worst_case` enters `risk_matrix_margin` rounded to this many coin (0 = not rounded). Inferred from Deribit's
    /// published example (`worst_case` 0.05968587238095239 + `roll_shock` 0.00315725898 = `risk_matrix_margin`
    /// 0.06284313098 exactly when `worst_case` is first rounded to 1e-9): an assumption, labelled in the output.
    public var worstCaseRounding: Double = 1e-9
    /// Equity below `takeoverRatio × MM` means takeover (MARGIN_MODEL.md's health rule).
    public var takeoverRatio: Double = 0.5

    public init() {}

    /// Deribit's published parameters.
    public static let published = DeribitParameters()

    /// The pair parameters of `underlying`.
    public func pair(_ underlying: String) -> Pair { pairs[underlying] ?? defaultPair }

    /// The currency parameters of pool `code`.
    public func currency(_ code: String) -> Currency { currencies[code] ?? defaultCurrency }
}

extension DeribitParameters {
    /// Decodes overrides over `base`: `{"pairs": {"BTC": {"priceRange": 0.16, …}}, "currencies": {"BTC":
    /// {"pnlOffset": 0, …}}, "mmFactor": 0.8, "worstCaseRounding": 1e-9, "takeoverRatio": 0.5}`. A pair or currency
    /// named `default` sets the fallback. Every value is range-checked; errors name the field. Strict: a key that
    /// is not a parameter, at any level, is an error naming it.
    ///
    /// - Parameter extraKeys: keys the caller handles at the root (a venue file's `"preset"` and sections).
    public init(json root: JSONNode, base: DeribitParameters = .published, allowing extraKeys: [String] = [])
        throws(InputError)
    {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys + extraKeys)
        if let node = try root.optional("pairs") {
            for (name, n) in try node.object() {
                if name == "default" {
                    defaultPair = try Pair(json: n, base: defaultPair)
                } else {
                    pairs[name] = try Pair(json: n, base: pair(name))
                }
            }
        }
        if let node = try root.optional("currencies") {
            for (name, n) in try node.object() {
                if name == "default" {
                    defaultCurrency = try Currency(json: n, base: defaultCurrency)
                } else {
                    currencies[name] = try Currency(json: n, base: currency(name))
                }
            }
        }
        if let n = try root.optional("mmFactor") { mmFactor = try n.double(where: { $0 > 0 && $0 <= 1 }, "in (0, 1]") }
        if let n = try root.optional("worstCaseRounding") {
            worstCaseRounding = try n.double(where: { $0 >= 0 && $0 <= 0.01 }, "in [0, 0.01]")
        }
        if let n = try root.optional("takeoverRatio") {
            takeoverRatio = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
    }
}

extension DeribitParameters {
    /// The keys of a Deribit parameter file's root.
    public static let fileKeys = ["pairs", "currencies", "mmFactor", "worstCaseRounding", "takeoverRatio"]
}

extension DeribitParameters.Pair {
    /// The keys of a `pairs.<name>` object.
    public static let fileKeys = [
        "priceRange", "bucketsCount", "volatilityRangeUp", "volatilityRangeDown", "shortTermVegaPower",
        "longTermVegaPower", "minVolatilityForShockUp", "extendedTableFactor", "extendedMoves",
        "deltaShockThresholdUSD", "maxDeltaShock", "deltaShockIncrement",
    ]

    init(json root: JSONNode, base: Self) throws(InputError) {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys)
        if let n = try root.optional("priceRange") {
            priceRange = try n.double(where: { $0 > 0 && $0 < 1 }, "in (0, 1)")
        }
        if let n = try root.optional("bucketsCount") {
            let v = try n.integer()
            guard v >= 1, v <= 100 else {
                throw InputError.invalid(path: n.path, reason: "must be an integer in [1, 100], got \(v)")
            }
            bucketsCount = v
        }
        if let n = try root.optional("volatilityRangeUp") {
            volatilityRangeUp = try n.double(where: { $0 >= 0 && $0 <= 10 }, "in [0, 10]")
        }
        if let n = try root.optional("volatilityRangeDown") {
            volatilityRangeDown = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
        if let n = try root.optional("shortTermVegaPower") {
            shortTermVegaPower = try n.double(where: { $0 >= 0 && $0 <= 2 }, "in [0, 2]")
        }
        if let n = try root.optional("longTermVegaPower") {
            longTermVegaPower = try n.double(where: { $0 >= 0 && $0 <= 2 }, "in [0, 2]")
        }
        if let n = try root.optional("minVolatilityForShockUp") {
            minVolatilityForShockUp = try n.double(where: { $0 >= 0 && $0 < 100 }, "in [0, 100)")
        }
        if let n = try root.optional("extendedTableFactor") {
            extendedTableFactor = try n.double(where: { $0 >= 0 && $0 <= 10 }, "in [0, 10]")
        }
        if let n = try root.optional("extendedMoves") {
            let range = priceRange
            extendedMoves = try n.array().map { (x) throws(InputError) in
                try x.double(where: { $0 > -1 && $0 <= 100 && abs($0) > range }, "in (-1, 100] and beyond ±priceRange")
            }
        }
        if let n = try root.optional("deltaShockThresholdUSD") {
            deltaShockThresholdUSD = try n.double(where: { $0 >= 0 && $0 < 1e15 }, "a USD amount ≥ 0")
        }
        if let n = try root.optional("maxDeltaShock") {
            maxDeltaShock = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
        if let n = try root.optional("deltaShockIncrement") {
            deltaShockIncrement = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
    }
}

extension DeribitParameters.Currency {
    /// The keys of a `currencies.<code>` object.
    public static let fileKeys = ["annualisedMoveRisk", "minAnnualisedMove", "extendedDampenerUSD", "pnlOffset"]

    init(json root: JSONNode, base: Self) throws(InputError) {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys)
        if let n = try root.optional("annualisedMoveRisk") {
            annualisedMoveRisk = try n.double(where: { $0 >= 0 && $0 <= 5 }, "in [0, 5]")
        }
        if let n = try root.optional("minAnnualisedMove") {
            minAnnualisedMove = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
        if let n = try root.optional("extendedDampenerUSD") {
            extendedDampenerUSD = try n.double(where: { $0 >= 0 && $0 < 1e15 }, "a USD amount ≥ 0")
        }
        if let n = try root.optional("pnlOffset") {
            pnlOffset = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
    }
}
