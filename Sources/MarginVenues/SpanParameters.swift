import MarginCore

/// Parameters of the SPAN preset when it computes risk arrays from a crypto book (a SPAN file's own arrays,
/// spreads and minimums are used as given; see ``SpanBook``).
///
/// The scan-range defaults are this project's choices, not CME's published values: CME publishes scan ranges per
/// contract in its SPAN files. Rates are decimals; the short-option minimum and intra-commodity charge are fractions
/// of the index per coin.
public struct SpanParameters: Hashable, Sendable {
    /// Price scan range per underlying, relative to the index (0.25 = ±25%).
    public var scanRanges: [String: Double] = ["BTC": 0.25, "ETH": 0.30]
    /// Scan range of underlyings not in `scanRanges`.
    public var defaultScanRange: Double = 0.30
    /// Vol scan range, relative (0.25: vols × 1.25 and × 0.75).
    public var volScanRange: Double = 0.25
    /// Extreme moves are this multiple of the scan range (SPAN: 2).
    public var extremeMultiple: Double = 2
    /// Fraction of the extreme scenarios' P&L that counts (SPAN: 0.35).
    public var extremeCoverage: Double = 0.35
    /// Look-ahead, days (SPAN: one trading day).
    public var lookAheadDays: Double = 1
    /// Short-option minimum per short option coin, as a fraction of the index.
    public var shortOptionMinimumRate: Double = 0.005
    /// Intra-commodity (calendar) charge per coin-delta spread between two expiries, as a fraction of the index.
    public var intraSpreadRate: Double = 0.01
    /// Inter-commodity spreads between underlyings; ratios in coin deltas. None by default.
    public var interSpreads: [SpanInterSpread] = []
    /// `IM = initialToMaintenance · MM` (CME: 1.1 for speculative accounts).
    public var initialToMaintenance: Double = 1.1
    /// Floor on scenario vols.
    public var minVol: Double = 0.01
    /// Equity below `takeoverRatio × MM` means takeover (MARGIN_MODEL.md's health rule).
    public var takeoverRatio: Double = 0.5

    public init() {}

    public static let defaults = SpanParameters()

    /// The scan range of `underlying`.
    public func scanRange(_ underlying: String) -> Double { scanRanges[underlying] ?? defaultScanRange }
}

extension SpanParameters {
    /// The keys of a SPAN parameter file's root.
    public static let fileKeys = [
        "scanRanges", "defaultScanRange", "volScanRange", "extremeMultiple", "extremeCoverage", "lookAheadDays",
        "shortOptionMinimumRate", "intraSpreadRate", "interSpreads", "initialToMaintenance", "minVol", "takeoverRatio",
    ]

    /// Decodes overrides over `base`: `{"scanRanges": {"BTC": 0.25}, "defaultScanRange": 0.3, "volScanRange": 0.25,
    /// "extremeMultiple": 2, "extremeCoverage": 0.35, "lookAheadDays": 1, "shortOptionMinimumRate": 0.005,
    /// "intraSpreadRate": 0.01, "interSpreads": [{"legs": [{"commodity": "BTC", "ratio": 1}, {"commodity": "ETH",
    /// "ratio": 20}], "credit": 0.5}], "initialToMaintenance": 1.1, "minVol": 0.01, "takeoverRatio": 0.5}`.
    /// Strict: a key that is not a parameter, at any level, is an error naming it.
    ///
    /// - Parameter extraKeys: keys the caller handles at the root (a venue file's `"preset"` and sections).
    public init(json root: JSONNode, base: SpanParameters = .defaults, allowing extraKeys: [String] = [])
        throws(InputError)
    {
        self = base
        try root.rejectUnknownKeys(Self.fileKeys + extraKeys)
        if let node = try root.optional("scanRanges") {
            for (name, n) in try node.object() {
                scanRanges[name] = try n.double(where: { $0 > 0 && $0 < 0.5 }, "in (0, 0.5)")
            }
        }
        if let n = try root.optional("defaultScanRange") {
            defaultScanRange = try n.double(where: { $0 > 0 && $0 < 0.5 }, "in (0, 0.5)")
        }
        if let n = try root.optional("volScanRange") {
            volScanRange = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
        if let n = try root.optional("extremeMultiple") {
            extremeMultiple = try n.double(where: { $0 >= 1 && $0 <= 5 }, "in [1, 5]")
        }
        let ranges = Array(scanRanges.values) + [defaultScanRange]
        if let worst = ranges.max(), extremeMultiple * worst >= 1 {
            throw InputError.invalid(
                path: "\(root.path).extremeMultiple",
                reason: "extremeMultiple × scan range must be < 1, got \(extremeMultiple * worst)")
        }
        if let n = try root.optional("extremeCoverage") {
            extremeCoverage = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
        if let n = try root.optional("lookAheadDays") {
            lookAheadDays = try n.double(where: { $0 >= 0 && $0 <= 30 }, "in [0, 30]")
        }
        if let n = try root.optional("shortOptionMinimumRate") {
            shortOptionMinimumRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
        if let n = try root.optional("intraSpreadRate") {
            intraSpreadRate = try n.double(where: { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        }
        if let n = try root.optional("interSpreads") {
            interSpreads = try n.array().map { (s) throws(InputError) in
                try SpanInterSpread(json: s, commodities: nil, strict: true)
            }
        }
        if let n = try root.optional("initialToMaintenance") {
            initialToMaintenance = try n.double(where: { $0 >= 1 && $0 <= 10 }, "in [1, 10]")
        }
        if let n = try root.optional("minVol") { minVol = try n.double(where: { $0 > 0 && $0 < 10 }, "in (0, 10)") }
        if let n = try root.optional("takeoverRatio") {
            takeoverRatio = try n.double(where: { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        }
    }
}
