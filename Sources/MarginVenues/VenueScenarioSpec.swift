import MarginCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The general description of a venue's stress test for one risk unit: which scenarios, how much of each one's
/// P&L counts, how vols move, what happens to gains, the roll (basis) charge, the IM/MM relation and the currency
/// the unit is margined in. Every preset (Deribit, SPAN, OKX) is expressed as one or more of these; nothing in
/// ``VenueScenarioEngine`` knows which venue it is running.
///
/// ```swift
/// // SPAN's 16 scenarios of one contract: scan range 10%, vol range 25%, one-day look-ahead.
/// let spec = VenueScenarioSpec.span(scanRange: 0.10, volRange: 0.25, extremeMultiple: 2, coverage: 0.35)
/// ```
///
/// A value type; building one is cheap (a few dozen scenarios).
public struct VenueScenarioSpec: Hashable, Sendable {
    /// The scenarios, in the order risk vectors are reported.
    public var scenarios: [VenueScenario]
    /// How far vols move in a `.up` / `.down` scenario.
    public var volShock: VolShockRule
    /// Floor on scenario vols (absolute, e.g. 0.01). 0 allows a vol of 0 (the option is then worth its intrinsic).
    public var minVol: Double
    /// Multiplier on a scenario's aggregated P&L when it is a gain (Deribit's `pnl_offset`; 1 = gains count fully).
    public var gainMultiplier: Double
    /// The roll/basis charge.
    public var roll: RollRule
    /// IM and MM as multiples of the unit's risk (the sum of its charges).
    public var relation: MarginRelation

    public init(
        scenarios: [VenueScenario], volShock: VolShockRule, minVol: Double = 0.01, gainMultiplier: Double = 1,
        roll: RollRule = .none, relation: MarginRelation = MarginRelation(initial: 1, maintenance: 1)
    ) {
        self.scenarios = scenarios
        self.volShock = volShock
        self.minVol = minVol
        self.gainMultiplier = gainMultiplier
        self.roll = roll
        self.relation = relation
    }
}

/// Which way implied vols move in a scenario; the size of the move comes from the spec's ``VolShockRule``.
public enum VolMove: String, Hashable, Sendable, CaseIterable {
    case up
    case same
    case down
}

/// One stress scenario of an underlying: every forward and the index move by `priceMove`, vols move per `vol`,
/// `timeShiftDays` pass.
public struct VenueScenario: Hashable, Sendable {
    /// Which table the scenario belongs to (Deribit's standard and extended tables; SPAN's extreme scenarios and
    /// OKX's MR6 are `extended` too).
    public enum Table: String, Hashable, Sendable {
        case standard
        case extended
    }

    /// Relative move of the index and every forward (−0.16 = −16%); > −1.
    public var priceMove: Double
    public var vol: VolMove
    /// Calendar days that pass (SPAN's one-day look-ahead: 1).
    public var timeShiftDays: Double
    /// How much of the scenario's P&L counts.
    public var weight: ScenarioWeight
    public var table: Table

    public init(
        priceMove: Double, vol: VolMove, timeShiftDays: Double = 0, weight: ScenarioWeight = .fraction(1),
        table: Table = .standard
    ) {
        self.priceMove = priceMove
        self.vol = vol
        self.timeShiftDays = timeShiftDays
        self.weight = weight
        self.table = table
    }
}

/// How much of a scenario's P&L counts, and how it is adjusted.
public enum ScenarioWeight: Hashable, Sendable {
    /// P&L × fraction: 1 for a regular scenario, SPAN's and the reference's 0.35 for extreme moves.
    case fraction(Double)
    /// Deribit's extended table: each instrument's P&L × `factor·(r/|m|)·(1+m)/(1+sign(m)·r)` (for P&L linear in
    /// coin this is the P&L at the grid's edge); then the aggregated loss, if any, shrinks by the dampener
    /// **(approximation, VENUE_PRESETS.md)**: `|adj| −= min((|m|/r − 1)·dampener/((1+sign(m)·r)·S), |adj|)`, with
    /// `dampenerUSD` in USD (`S` converts it to coin in a coin-margined unit; a USD unit uses it as is).
    case deribitExtended(factor: Double, range: Double, dampenerUSD: Double)

    /// The multiplier applied to each instrument's P&L in a scenario with price move `m`.
    public func scale(priceMove m: Double) -> Double {
        switch self {
        case .fraction(let f): return f
        case .deribitExtended(let factor, let r, _):
            guard m != 0 else { return factor }
            let sign: Double = m > 0 ? 1 : -1
            return factor * (r / abs(m)) * (1 + m) / (1 + sign * r)
        }
    }

    /// The aggregated P&L after the dampener (Deribit), in the unit's currency; `indexUSD` is `S` for a coin unit
    /// and 1 for a USD unit.
    public func dampened(_ pnl: Double, priceMove m: Double, dampenerScale indexUSD: Double) -> Double {
        guard case .deribitExtended(_, let r, let dampener) = self, pnl < 0, r > 0, m != 0 else { return pnl }
        let sign: Double = m > 0 ? 1 : -1
        let relief = max(0, abs(m) / r - 1) * dampener / ((1 + sign * r) * indexUSD)
        return -(abs(pnl) - min(relief, abs(pnl)))
    }
}

/// How far implied vols move in `.up` and `.down` scenarios, per option.
public enum VolShockRule: Hashable, Sendable {
    /// `σ_up = σ·(1 + up)`, `σ_down = σ·(1 − down)` (relative; SPAN's vol scan range, MARGIN_MODEL.md's ±30%).
    case relative(up: Double, down: Double)
    /// Moves that grow as expiry nears **(approximation, VENUE_PRESETS.md, Deribit)**:
    /// `σ_up = max(minVolUp, σ·(1 + up·(pivot/max(DTE,1))^p))`, `σ_down = σ·max(0, 1 − down·(pivot/max(DTE,1))^p)`,
    /// `p = shortPower` when DTE ≤ `pivotDays`, else `longPower`. DTE = calendar days to expiry.
    case termScaled(
        up: Double, down: Double, shortPower: Double, longPower: Double, pivotDays: Double,
        minVolUp: Double)

    /// The scenario vol of an option with vol `sigma` and `daysToExpiry` left, before the spec's `minVol` floor.
    public func vol(_ move: VolMove, sigma: Double, daysToExpiry dte: Double) -> Double {
        switch self {
        case .relative(let up, let down):
            switch move {
            case .up: return sigma * (1 + up)
            case .same: return sigma
            case .down: return sigma * (1 - down)
            }
        case .termScaled(let up, let down, let shortPower, let longPower, let pivot, let minUp):
            let p = dte <= pivot ? shortPower : longPower
            let scale = pow(pivot / max(dte, 1), p)
            switch move {
            case .up: return max(minUp, sigma * (1 + up * scale))
            case .same: return sigma
            case .down: return sigma * max(0, 1 - down * scale)
            }
        }
    }
}

/// The roll (basis) charge: risk that forwards move against the index.
public enum RollRule: Hashable, Sendable {
    /// No roll charge.
    case none
    /// MARGIN_MODEL.md's: two scenarios with every forward at `F·(1 ± shift·min(T, 1))`, index and vols unchanged;
    /// the charge is the larger loss (≥ 0).
    case forwardShift(Double)
    /// Deribit's roll shock and OKX's MR4: `Σ_expiries |net position_T| · max(minimum, e^{rate·T} − 1)`, the
    /// perpetual at `perpetual`. The net position is in coins of the underlying (futures and perpetuals at their
    /// coin size, options at their forward delta); a USD unit values it at the index.
    case annualisedMove(rate: Double, minimum: Double, perpetual: Double)
}

/// IM and MM as multiples of a risk unit's risk: `IM = initial·risk`, `MM = maintenance·risk`.
/// MARGIN_MODEL.md and OKX: (1.3, 1); Deribit: (1, 0.8); CME: (1.1, 1) for speculative accounts.
public struct MarginRelation: Hashable, Sendable {
    public var initial: Double
    public var maintenance: Double

    public init(initial: Double, maintenance: Double) {
        self.initial = initial
        self.maintenance = maintenance
    }
}

/// The currency a risk unit's P&L and requirement are measured in.
public enum UnitCurrency: Hashable, Sendable {
    /// USD (stablecoins at 1): P&L as MARGIN_MODEL.md values it.
    case usd
    /// The underlying coin (Deribit's segregated coin-margined pools): an instrument's coin P&L is
    /// `V'/S' − V/S` for USD values `V` (so an inverse future of coin size q has `q·m/(1+m)`; a balance of the coin
    /// has none: it is equity, not risk).
    case coin
}

extension VenueScenarioSpec {
    /// An evenly spaced grid of `2·buckets + 1` price moves over `[−range, +range]`, each at vols up, same, down
    /// (price-major, Deribit's order), at `timeShiftDays`.
    public static func grid(
        range: Double, buckets: Int, vols: [VolMove] = [.up, .same, .down],
        timeShiftDays: Double = 0
    ) -> [VenueScenario] {
        let n = max(buckets, 0)
        var out: [VenueScenario] = []
        for i in -n...n {
            let m = n == 0 ? 0 : range * Double(i) / Double(n)
            for v in vols { out.append(VenueScenario(priceMove: m, vol: v, timeShiftDays: timeShiftDays)) }
        }
        return out
    }

    /// Explicit price moves, each at the given vols (OKX's MR1 `±0, 4, 8, 12%`).
    public static func moves(
        _ moves: [Double], vols: [VolMove], timeShiftDays: Double = 0,
        weight: ScenarioWeight = .fraction(1), table: VenueScenario.Table = .standard
    )
        -> [VenueScenario]
    {
        moves.flatMap { m in
            vols.map {
                VenueScenario(priceMove: m, vol: $0, timeShiftDays: timeShiftDays, weight: weight, table: table)
            }
        }
    }

    /// SPAN's 16 scenarios, in the standard order: 1–2 price unchanged (vol up, down); 3–14 price up/down
    /// 1/3, 2/3, 3/3 of the scan range (each vol up, down); 15–16 price up/down `extremeMultiple` × range at
    /// unchanged vol, counting `coverage` of the P&L. All at `timeShiftDays` (one-day look-ahead).
    public static func spanScenarios(
        scanRange r: Double, extremeMultiple: Double, coverage: Double,
        timeShiftDays: Double = 1
    ) -> [VenueScenario] {
        var out: [VenueScenario] = []
        for step in 0...3 {
            let m = r * Double(step) / 3
            for sign in step == 0 ? [1.0] : [1.0, -1.0] {
                for v in [VolMove.up, .down] {
                    out.append(VenueScenario(priceMove: sign * m, vol: v, timeShiftDays: timeShiftDays))
                }
            }
        }
        for sign in [1.0, -1.0] {
            out.append(
                VenueScenario(
                    priceMove: sign * extremeMultiple * r, vol: .same, timeShiftDays: timeShiftDays,
                    weight: .fraction(coverage), table: .extended))
        }
        return out
    }
}
