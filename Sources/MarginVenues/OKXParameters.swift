import MarginCore

/// Parameters of OKX's portfolio margin (help center, "Portfolio margin mode", January 2025 values where
/// VENUE_PRESETS.md gives them). Amounts are USD; rates are decimals.
///
/// Per risk unit (underlying): MR1's price moves, MR6's extreme move, MR4's annualised move and MR7's bands, by the
/// underlying's tier. The rest (vol shocks, MR2, MR3, MR5, MR6's covered fraction, MR7's raw charge) is not published
/// with numbers and is this project's assumption, labelled in the output.
public struct OKXParameters: Hashable, Sendable {
    /// Parameters of one risk unit.
    public struct Unit: Hashable, Sendable {
        /// MR1 price-move magnitudes; each non-zero one is applied up and down (BTC/ETH: 0, 4, 8, 12%).
        public var priceMoves: [Double]
        /// MR6 extreme move, applied up and down (BTC/ETH: 24%).
        public var extremeMove: Double
        /// MR4 annualised move risk (BTC/ETH: 5%).
        public var basisAnnualisedMove: Double
        /// MR7 bands: each band's multiplier applies to the part of the raw charge above its lower bound.
        public var minimumChargeBands: [OKXChargeBand]

        public init(
            priceMoves: [Double], extremeMove: Double, basisAnnualisedMove: Double,
            minimumChargeBands: [OKXChargeBand] = OKXChargeBand.majors
        ) {
            self.priceMoves = priceMoves
            self.extremeMove = extremeMove
            self.basisAnnualisedMove = basisAnnualisedMove
            self.minimumChargeBands = minimumChargeBands
        }
    }

    /// Overrides per underlying; underlyings without one use ``builtinUnit(_:)``.
    public var units: [String: Unit] = [:]
    /// MR1 vol shocks, relative, scaled by `(30/max(DTE,1))^p` (p = 0.30 to 30 days, 0.13 after).
    public var volShockUp: Double = 0.25
    public var volShockDown: Double = 0.25
    /// Fraction of the MR6 extreme-move loss that counts.
    public var extremeCoverage: Double = 1.0 / 3.0
    /// MR2: days of time decay at unchanged price and vol.
    public var thetaDays: Double = 1
    /// MR3: factor on the non-parallel part of the vega shock across expiries.
    public var vegaTermFactor: Double = 0.5
    /// MR5: rate shock applied to the unit's rho (0.01 = 100 bp).
    public var rateShock: Double = 0.01
    /// MR7 raw charge: rate on futures and perpetuals' USD notional.
    public var minimumChargeFuturesRate: Double = 0.001
    /// MR7 raw charge: rate on short options' underlying notional (|q|·S).
    public var minimumChargeShortOptionRate: Double = 0.005
    /// MR7 raw charge: rate on long options' underlying notional.
    public var minimumChargeLongOptionRate: Double = 0
    /// `IMR = initialToMaintenance · MMR`.
    public var initialToMaintenance: Double = 1.3
    /// Floor on scenario vols.
    public var minVol: Double = 0.01
    /// Equity below `takeoverRatio × MM` means takeover (MARGIN_MODEL.md's health rule).
    public var takeoverRatio: Double = 0.5

    public init() {}

    public static let defaults = OKXParameters()

    /// The unit parameters of `underlying`: an override, else the published tier.
    public func unit(_ underlying: String) -> Unit { units[underlying] ?? Self.builtinUnit(underlying) }

    /// The published tiers (Jan 2025): MR1 BTC/ETH ±0, 4, 8, 12%; LTC, BCH, EOS, OKB, DOT, BSV, LINK, FIL, ADA, TRX,
    /// UNI, XRP ±0, 6, 12, 18%; others ±0, 8, 16, 25%. MR6 BTC/ETH ±24%; SOL, DOGE, PEPE, XRP, BNB, SHIB, LTC, ORDI,
    /// WLD, BCH, ADA ±36%; others ±50%. MR4 5%, 15%, 30% on the same lists as MR6. MR7: BTC/ETH's bands for all.
    public static func builtinUnit(_ underlying: String) -> Unit {
        let majors: Set<String> = ["BTC", "ETH"]
        let mr1Tier2: Set<String> = [
            "LTC", "BCH", "EOS", "OKB", "DOT", "BSV", "LINK", "FIL", "ADA", "TRX", "UNI", "XRP",
        ]
        let mr6Tier2: Set<String> = ["SOL", "DOGE", "PEPE", "XRP", "BNB", "SHIB", "LTC", "ORDI", "WLD", "BCH", "ADA"]
        let moves: [Double] =
            majors.contains(underlying)
            ? [0, 0.04, 0.08, 0.12]
            : mr1Tier2.contains(underlying) ? [0, 0.06, 0.12, 0.18] : [0, 0.08, 0.16, 0.25]
        let extreme = majors.contains(underlying) ? 0.24 : mr6Tier2.contains(underlying) ? 0.36 : 0.50
        let basis = majors.contains(underlying) ? 0.05 : mr6Tier2.contains(underlying) ? 0.15 : 0.30
        return Unit(priceMoves: moves, extremeMove: extreme, basisAnnualisedMove: basis)
    }
}

/// One band of OKX's MR7 minimum charge: the part of the raw charge above `from` (USD) is multiplied by `multiplier`.
public struct OKXChargeBand: Hashable, Sendable {
    public var from: Double
    public var multiplier: Double

    public init(from: Double, multiplier: Double) {
        self.from = from
        self.multiplier = multiplier
    }

    /// BTC/ETH (VENUE_PRESETS.md): $0–250K ×1, 250–500K ×2, 0.5–1M ×4, 1–2M ×6, 2–3M ×8, 3–4M ×10, above ×12.
    public static let majors: [OKXChargeBand] = [
        .init(from: 0, multiplier: 1), .init(from: 250_000, multiplier: 2), .init(from: 500_000, multiplier: 4),
        .init(from: 1_000_000, multiplier: 6), .init(from: 2_000_000, multiplier: 8),
        .init(from: 3_000_000, multiplier: 10), .init(from: 4_000_000, multiplier: 12),
    ]

    /// The adjusted charge of `raw` (USD): `Σ_bands (min(raw, next.from) − from)·multiplier` over the bands below raw.
    /// `bands` must start at 0 and ascend.
    public static func adjusted(_ raw: Double, bands: [OKXChargeBand]) -> Double {
        var total = 0.0
        for (i, band) in bands.enumerated() where raw > band.from {
            let upper = i + 1 < bands.count ? min(raw, bands[i + 1].from) : raw
            total += (upper - band.from) * band.multiplier
        }
        return total
    }
}

extension OKXParameters {
    /// The keys of an OKX parameter file's root.
    public static let fileKeys = [
        "units", "volShockUp", "volShockDown", "extremeCoverage", "thetaDays", "vegaTermFactor", "rateShock",
        "minimumChargeFuturesRate", "minimumChargeShortOptionRate", "minimumChargeLongOptionRate",
        "initialToMaintenance", "minVol", "takeoverRatio",
    ]

    /// Decodes overrides over `base`: `{"units": {"BTC": {"priceMoves": [0, 0.04, 0.08, 0.12], "extremeMove": 0.24,
    /// "basisAnnualisedMove": 0.05, "minimumChargeBands": [{"from": 0, "multiplier": 1}, …]}}, "volShockUp": 0.25,
    /// "volShockDown": 0.25, "extremeCoverage": 0.333, "thetaDays": 1, "vegaTermFactor": 0.5, "rateShock": 0.01,
    /// "minimumChargeFuturesRate": 0.001, "minimumChargeShortOptionRate": 0.005, "minimumChargeLongOptionRate": 0,
    /// "initialToMaintenance": 1.3, "minVol": 0.01, "takeoverRatio": 0.5}`. Strict: a key that is not a
    /// parameter, at any level, is an error naming it.
    ///
    /// - Parameter extraKeys: keys the caller handles at the root (a venue file's `"preset"` and sections).
    public init(json root: JSONNode, base: OKXParameters = .defaults, allowing extraKeys: [String] = [])
        throws(InputError)
    {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys + extraKeys)
        if let node = try root.optional("units") {
            for (name, n) in try node.object() { units[name] = try Unit(json: n, base: unit(name)) }
        }
        func rate(_ key: String, _ lo: Double, _ hi: Double) throws(InputError) -> Double? {
            try root.optional(key)?.double(where: { $0 >= lo && $0 <= hi }, "in [\(lo), \(hi)]")
        }
        if let v = try rate("volShockUp", 0, 10) { volShockUp = v }
        if let v = try rate("volShockDown", 0, 1) { volShockDown = v }
        if let v = try rate("extremeCoverage", 0, 1) { extremeCoverage = v }
        if let v = try rate("thetaDays", 0, 30) { thetaDays = v }
        if let v = try rate("vegaTermFactor", 0, 10) { vegaTermFactor = v }
        if let v = try rate("rateShock", 0, 1) { rateShock = v }
        if let v = try rate("minimumChargeFuturesRate", 0, 1) { minimumChargeFuturesRate = v }
        if let v = try rate("minimumChargeShortOptionRate", 0, 1) { minimumChargeShortOptionRate = v }
        if let v = try rate("minimumChargeLongOptionRate", 0, 1) { minimumChargeLongOptionRate = v }
        if let v = try rate("initialToMaintenance", 1, 10) { initialToMaintenance = v }
        if let n = try root.optional("minVol") { minVol = try n.double(where: { $0 > 0 && $0 < 10 }, "in (0, 10)") }
        if let v = try rate("takeoverRatio", 0, 1) { takeoverRatio = v }
    }
}

extension OKXParameters.Unit {
    /// The keys of a `units.<name>` object.
    public static let fileKeys = ["priceMoves", "extremeMove", "basisAnnualisedMove", "minimumChargeBands"]

    init(json root: JSONNode, base: Self) throws(InputError) {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys)
        if let n = try root.optional("priceMoves") {
            priceMoves = try n.array().map { (x) throws(InputError) in
                try x.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
            }
            guard !priceMoves.isEmpty else { throw InputError.invalid(path: n.path, reason: "must not be empty") }
        }
        if let n = try root.optional("extremeMove") {
            extremeMove = try n.double(where: { $0 > 0 && $0 < 1 }, "in (0, 1)")
        }
        if let n = try root.optional("basisAnnualisedMove") {
            basisAnnualisedMove = try n.double(where: { $0 >= 0 && $0 <= 5 }, "in [0, 5]")
        }
        if let n = try root.optional("minimumChargeBands") {
            var bands: [OKXChargeBand] = []
            for b in try n.array() {
                try b.rejectUnknownKeys(["from", "multiplier"])
                let fromNode = try b.required("from")
                let from = try fromNode.double(where: { $0 >= 0 && $0 < 1e15 }, "a USD amount ≥ 0")
                if bands.isEmpty, from != 0 {
                    throw InputError.invalid(path: fromNode.path, reason: "the first band must start at 0, got \(from)")
                }
                if let last = bands.last, from <= last.from {
                    throw InputError.invalid(
                        path: fromNode.path, reason: "bands must ascend, got \(from) after \(last.from)")
                }
                bands.append(
                    OKXChargeBand(
                        from: from,
                        multiplier: try b.required("multiplier")
                            .double(where: { $0 >= 0 && $0 <= 1000 }, "in [0, 1000]")))
            }
            guard !bands.isEmpty else { throw InputError.invalid(path: n.path, reason: "must not be empty") }
            minimumChargeBands = bands
        }
    }
}
