import MarginCore

/// One account's margin under one venue preset: IM and MM in the preset's margin currency, the risk units with
/// their components and which one binds, the worst scenarios, and the approximations the method rests on.
///
/// `initialMargin`, `maintenanceMargin` and `equity` are in `marginCurrency` (a coin for Deribit's segregated
/// pools, else USD). When a book spans several pools of different currencies, the headline is their sum in USD
/// (coins at the index) and each pool keeps its own figures in ``pools``.
public struct VenueMarginResult: Hashable, Sendable {
    /// The preset's name: `reference`, `deribit`, `span`, `okx`.
    public var preset: String
    public var account: String
    /// The currency of `initialMargin`, `maintenanceMargin` and `equity`: `USD`, or a settlement coin (`BTC`).
    public var marginCurrency: String
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// Equity in `marginCurrency`.
    public var equity: Double
    /// USD per one unit of `marginCurrency` (the index for a coin; 1 for USD).
    public var marginCurrencyUSD: Double
    /// The worst of the pools' health.
    public var health: Health
    /// Collateral pools: one for a cross-margined preset (USD), one per settlement currency for Deribit.
    public var pools: [VenuePool]
    /// Risk units (underlyings, currency pairs in a pool, SPAN combined commodities), in a fixed order.
    public var units: [VenueRiskUnit]
    /// What the method approximates or assumes (VENUE_PRESETS.md's "(approximation)" items and this project's choices).
    public var approximations: [VenueApproximation]
    /// Remarks on this computation (e.g. pools converted to USD).
    public var notes: [String]

    /// IM in USD.
    public var initialMarginUSD: Double { initialMargin * marginCurrencyUSD }
    /// MM in USD.
    public var maintenanceMarginUSD: Double { maintenanceMargin * marginCurrencyUSD }

    /// The unit with the largest MM in USD, or `nil` for an empty book.
    public var bindingUnit: VenueRiskUnit? {
        var best: VenueRiskUnit?
        for u in units
        where best.map({ u.maintenanceMargin * u.currencyUSD > $0.maintenanceMargin * $0.currencyUSD }) ?? true {
            best = u
        }
        return best
    }

    /// What binds the account's requirement: the binding component of the largest unit (`none` for an empty book).
    public var binding: String { bindingUnit.map { "\($0.name): \($0.binding)" } ?? "none" }
}

/// A collateral pool: the equity that backs a set of risk units, and the requirement against it.
public struct VenuePool: Hashable, Sendable {
    /// `USD` (cross-margined presets) or a settlement currency (`BTC`, `ETH`, `USDC`).
    public var currency: String
    /// USD per one unit of `currency`.
    public var currencyUSD: Double
    public var initialMargin: Double
    public var maintenanceMargin: Double
    public var equity: Double
    public var health: Health
}

/// One risk unit's requirement, in the unit's currency.
public struct VenueRiskUnit: Hashable, Sendable {
    /// e.g. `BTC`, `BTC/USDC`, `ES`.
    public var name: String
    /// The currency of every amount of the unit.
    public var currency: String
    /// USD per one unit of `currency`.
    public var currencyUSD: Double
    /// The components in the venue's own terms (`worst_case`, `roll_shock`; `MR1`…`MR7`; `scan`, `intra`, …).
    public var components: [VenueComponent]
    /// The component that decides the unit's requirement (e.g. `worst_case`, `MR7`, `som`).
    public var binding: String
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// The scenarios the unit was stressed in, the worst one, and the adjusted risk vector.
    public var scenarios: [VenueScenario]
    public var worstScenario: Int?
    /// Aggregated P&L per scenario (after weights, dampener and gain multiplier), unit currency, gain positive.
    public var riskVector: [Double]
    /// Each position's weighted P&L per scenario (before dampener and gain multiplier), unit currency.
    public var positionVectors: [VenuePositionVector]

    public init(
        name: String, currency: String, currencyUSD: Double, components: [VenueComponent], binding: String,
        initialMargin: Double, maintenanceMargin: Double, scenarios: [VenueScenario] = [],
        worstScenario: Int? = nil, riskVector: [Double] = [], positionVectors: [VenuePositionVector] = []
    ) {
        self.name = name
        self.currency = currency
        self.currencyUSD = currencyUSD
        self.components = components
        self.binding = binding
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.scenarios = scenarios
        self.worstScenario = worstScenario
        self.riskVector = riskVector
        self.positionVectors = positionVectors
    }

    /// The value of component `name`, or `nil`.
    public func component(_ name: String) -> Double? { components.first { $0.name == name }?.value }
}

/// A named amount of a risk unit's requirement, in the unit's currency.
public struct VenueComponent: Hashable, Sendable {
    public var name: String
    public var value: Double
    /// What it is, in a few words (e.g. "largest loss over standard and extended cells").
    public var meaning: String

    public init(_ name: String, _ value: Double, _ meaning: String) {
        self.name = name
        self.value = value
        self.meaning = meaning
    }
}

/// One position's P&L vector in a unit.
public struct VenuePositionVector: Hashable, Sendable {
    /// The instrument (`description`) or `balance BTC`, or a SPAN contract id.
    public var label: String
    /// Index in the portfolio's positions, `nil` for a balance.
    public var position: Int?
    public var pnl: [Double]
}

/// Something a venue preset approximates or assumes, labelled in the output and in docs/VENUES.md.
public struct VenueApproximation: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// Marked **(approximation)** in VENUE_PRESETS.md: reconstructed from secondary sources.
        case approximation
        /// A choice of this project where the venue's documents are silent.
        case assumption
    }
    /// A stable identifier, e.g. `deribit.volShock`.
    public var id: String
    public var kind: Kind
    public var text: String

    public init(_ id: String, _ kind: Kind, _ text: String) {
        self.id = id
        self.kind = kind
        self.text = text
    }
}

extension VenueMarginResult {
    /// Builds the account figures from its pools: one pool gives its own currency; several are summed in USD (coins at
    /// the index, stablecoins at 1), with a note; none gives zeros in USD.
    static func combining(
        preset: String, account: String, pools: [VenuePool], units: [VenueRiskUnit],
        approximations: [VenueApproximation], notes: [String] = []
    ) -> VenueMarginResult {
        var notes = notes
        let health = pools.map(\.health).max() ?? .healthy
        if pools.count == 1, let p = pools.first {
            return VenueMarginResult(
                preset: preset, account: account, marginCurrency: p.currency,
                initialMargin: p.initialMargin, maintenanceMargin: p.maintenanceMargin,
                equity: p.equity, marginCurrencyUSD: p.currencyUSD, health: health, pools: pools,
                units: units, approximations: approximations, notes: notes)
        }
        var im = 0.0
        var mm = 0.0
        var equity = 0.0
        for p in pools {
            im += p.initialMargin * p.currencyUSD
            mm += p.maintenanceMargin * p.currencyUSD
            equity += p.equity * p.currencyUSD
        }
        if pools.count > 1 {
            notes.append(
                "pools \(pools.map(\.currency).joined(separator: ", ")) are margined separately; the account "
                    + "figures are their sum in USD (coins at the index, stablecoins at 1)")
        }
        return VenueMarginResult(
            preset: preset, account: account, marginCurrency: "USD", initialMargin: im,
            maintenanceMargin: mm, equity: equity, marginCurrencyUSD: 1, health: health,
            pools: pools, units: units, approximations: approximations, notes: notes)
    }
}
