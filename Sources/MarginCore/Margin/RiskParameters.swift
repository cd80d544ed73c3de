/// The risk parameters of a margin model (MARGIN_MODEL.md); ``reference`` holds the specification's defaults.
///
/// Rates are decimals (0.0005 = 5 bp). Every field can be set in a parameter file (see `RiskParameters+JSON`),
/// where absent fields keep the reference value.
public struct RiskParameters: Hashable, Sendable {
    /// How per-underlying requirements combine across underlyings.
    public enum CorrelationMode: String, Hashable, Sendable, CaseIterable {
        /// `Core = Σ_u max(Scan_u, Extreme_u, SOM_u)`: no offsets between underlyings.
        case sum
        /// Maximum loss over the stressed correlation ellipsoid on the joint price grid.
        case correlated
    }

    /// Name of the parameter set.
    public var name: String = "reference"
    /// Largest regular price move, relative (0.15 = ±15%).
    public var priceRange: Double = 0.15
    /// Number of evenly spaced price moves from −range to +range (odd, so 0 is a point).
    public var pricePoints: Int = 21
    /// Relative vol shifts (−0.30 = vols × 0.7).
    public var volShifts: [Double] = [-0.30, 0.0, 0.30]
    /// Time shifts in days (fractions allowed).
    public var timeShiftsDays: [Double] = [0, 1]
    /// Extreme move as a multiple of `priceRange`.
    public var extremeMultiple: Double = 3.0
    /// Fraction of the extreme scenarios' loss that counts.
    public var extremeCoverage: Double = 0.35
    /// Short-option minimum: rate × index × Σ|q| of short options.
    public var shortOptionMinimumRate: Double = 0.005
    /// Roll scenarios move every forward by ±rollShift·min(T, 1).
    public var rollShift: Double = 0.01
    /// Liquidation-cost rate on futures/perpetuals notional.
    public var futuresLiquidationRate: Double = 0.0005
    /// Liquidation-cost rate on options' underlying notional.
    public var optionsNotionalLiquidationRate: Double = 0.0005
    /// Liquidation-cost rate on options' absolute value.
    public var optionsValueLiquidationRate: Double = 0.05
    /// IM / MM.
    public var initialToMaintenance: Double = 1.3
    /// Equity below `takeoverRatio × MM` means takeover.
    public var takeoverRatio: Double = 0.5
    public var correlationMode: CorrelationMode = .sum
    /// Correlations are stressed by ± this amount in `correlated` mode.
    public var correlationStress: Double = 0.10
    /// Floor on scenario vols.
    public var minVol: Double = 0.01

    public init() {}

    /// The specification's parameter set (`shared/examples/params-reference.json`).
    public static let reference = RiskParameters()

    /// The regular price moves: `pricePoints` values evenly from −`priceRange` to +`priceRange`.
    public var priceMoves: [Double] {
        (0..<pricePoints).map { i in
            pricePoints == 1 ? 0 : -priceRange + 2 * priceRange * Double(i) / Double(pricePoints - 1)
        }
    }

    /// Time shifts in years.
    public var timeShiftsYears: [Double] { timeShiftsDays.map { $0 * 86_400 / Instant.secondsPerYear } }
}
