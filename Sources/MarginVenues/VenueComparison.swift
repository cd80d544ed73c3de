import MarginCore

/// One book under every venue preset and the legacy models, side by side, with the reason for each figure: which
/// risk unit and component binds, in which scenario.
///
/// Amounts are given in each row's margin currency and in USD (coins at the index), so rows compare in USD.
public struct VenueComparison: Hashable, Sendable {
    /// One model's figures.
    public struct Row: Hashable, Sendable {
        /// The preset (`reference`, `deribit`, `span`, `okx`) or legacy model (`fixedPercentage`, …).
        public var name: String
        /// `preset` or `legacy`.
        public var kind: String
        public var marginCurrency: String
        /// In `marginCurrency`.
        public var initialMargin: Double
        public var maintenanceMargin: Double
        public var initialMarginUSD: Double
        public var maintenanceMarginUSD: Double
        /// What binds, e.g. `BTC: worst_case (standard)`, `BTC: MR7`, `no netting`.
        public var binding: String
        /// Why, in a sentence.
        public var reason: String
    }

    public var account: String
    public var rows: [Row]
    /// The presets' full results, in row order.
    public var results: [VenueMarginResult]

    /// Computes every preset of `presets` and, when `legacy` is set, the legacy models of `reference`.
    ///
    /// - Throws: ``InputError`` naming the position or field for invalid input.
    public init(
        portfolio: Portfolio, market: MarketSnapshot, presets: [VenuePreset],
        legacy: RiskParameters? = .reference
    ) throws(InputError) {
        account = portfolio.account
        var rows: [Row] = []
        var results: [VenueMarginResult] = []
        for preset in presets {
            let r = try preset.margin(of: portfolio, market: market)
            results.append(r)
            rows.append(
                Row(
                    name: r.preset, kind: "preset", marginCurrency: r.marginCurrency,
                    initialMargin: r.initialMargin, maintenanceMargin: r.maintenanceMargin,
                    initialMarginUSD: r.initialMarginUSD, maintenanceMarginUSD: r.maintenanceMarginUSD,
                    binding: r.binding, reason: Self.reason(r, preset: preset)))
        }
        if let legacy {
            let calc = MarginCalculator(parameters: legacy)
            let arrays = try calc.instrumentArrays(for: portfolio, market: market)
            for model in LegacyModel.allCases {
                let m = try calc.legacyMargin(model, of: portfolio, market: market, arrays: arrays)
                rows.append(
                    Row(
                        name: m.model, kind: "legacy", marginCurrency: "USD", initialMargin: m.initialMargin,
                        maintenanceMargin: m.maintenanceMargin, initialMarginUSD: m.initialMargin,
                        maintenanceMarginUSD: m.maintenanceMargin, binding: "no netting",
                        reason: Self.reason(model)))
            }
        }
        self.rows = rows
        self.results = results
    }

    /// The sentence explaining a preset's figure: the binding unit, component and scenario, the other units, and
    /// the preset's method with the IM/MM relation of the parameters in force (`preset`, which computed `r`).
    public static func reason(_ r: VenueMarginResult, preset: VenuePreset) -> String {
        guard let unit = r.bindingUnit else { return "no positions: nothing to margin" }
        var text = "\(unit.name) binds with \(unit.binding)"
        let bindingName = unit.binding.split(separator: " ").first.map(String.init) ?? unit.binding
        if let value = unit.component(bindingName) {
            text += " = \(format(value, digits: digits(unit.currency))) \(unit.currency)"
        }
        if let w = unit.worstScenario, w < unit.scenarios.count {
            let s = unit.scenarios[w]
            let sign = s.priceMove > 0 ? "+" : ""
            text += "; worst scenario \(sign)\(format(100 * s.priceMove, digits: 1))% vol \(s.vol.rawValue)"
            if s.timeShiftDays > 0 { text += " after \(format(s.timeShiftDays, digits: 0))d" }
            if s.table == .extended { text += " (extended)" }
        } else if let w = unit.worstScenario {
            text += "; worst scenario #\(w + 1)"
        }
        let others = r.units.filter { $0.name != unit.name }
        if !others.isEmpty {
            text += "; also " + others.map { "\($0.name) \($0.binding)" }.joined(separator: ", ")
        }
        text += "; " + Self.method(preset)
        return text
    }

    /// The preset's method in a clause, with the IM/MM relation read from its parameters.
    public static func method(_ preset: VenuePreset) -> String {
        switch preset {
        case .deribit(let p):
            return "pools segregated by settlement currency, MM = \(format(p.mmFactor, digits: ratioDigits(p.mmFactor))) × IM"
        case .span(let p):
            let ratio = format(p.initialToMaintenance, digits: ratioDigits(p.initialToMaintenance))
            return "16 scenarios, calendar charges and inter-commodity credits, IM = \(ratio) × MM"
        case .okx(let p):
            let ratio = format(p.initialToMaintenance, digits: ratioDigits(p.initialToMaintenance))
            return "MR = max(MR1, MR2, MR6) + MR3 + MR4 + MR5, IM = \(ratio) × MM"
        case .reference(let p):
            let ratio = format(p.initialToMaintenance, digits: ratioDigits(p.initialToMaintenance))
            return "MARGIN_MODEL.md: core + roll + liquidation cost, IM = \(ratio) × MM"
        }
    }

    /// The fewest decimals (1 to 6) that print a ratio exactly enough: 0.8 → 1, 1.25 → 2.
    static func ratioDigits(_ x: Double) -> Int {
        for d in 1...6 {
            var scale = 1.0
            for _ in 0..<d { scale *= 10 }
            if abs((x * scale).rounded() - x * scale) < 1e-9 * scale { return d }
        }
        return 6
    }

    /// The sentence explaining a legacy model's figure.
    public static func reason(_ model: LegacyModel) -> String {
        switch model {
        case .fixedPercentage: return "10% of every position's gross notional, options included; no offsets"
        case .isolated: return "each position and balance margined alone with the reference model; no offsets"
        case .standardCross: return "per-position exchange formulas (futures 2%/1%, short options); no netting"
        }
    }

    /// `{"account", "models": [{"name", "kind", "marginCurrency", "initialMargin", "maintenanceMargin",
    /// "initialMarginUSD", "maintenanceMarginUSD", "binding", "reason"}], "presets": [full results]}`.
    public var json: JSONValue {
        .object([
            ("account", .string(account)),
            (
                "models",
                .array(
                    rows.map { r in
                        .object([
                            ("name", .string(r.name)), ("kind", .string(r.kind)),
                            ("marginCurrency", .string(r.marginCurrency)), ("initialMargin", .double(r.initialMargin)),
                            ("maintenanceMargin", .double(r.maintenanceMargin)),
                            ("initialMarginUSD", .double(r.initialMarginUSD)),
                            ("maintenanceMarginUSD", .double(r.maintenanceMarginUSD)), ("binding", .string(r.binding)),
                            ("reason", .string(r.reason)),
                        ])
                    })
            ),
            ("presets", .array(results.map(\.json))),
        ])
    }

    /// A number with `digits` (≤ 9) decimals, no grouping (the core does no locale formatting).
    static func format(_ x: Double, digits: Int = 2) -> String {
        let d = min(max(digits, 0), 9)
        var scale: Int64 = 1
        for _ in 0..<d { scale *= 10 }
        guard x.isFinite, abs(x) * Double(scale) < 9e18 else { return "\(x)" }
        let n = Int64((abs(x) * Double(scale)).rounded())
        var text = String(n / scale)
        if d > 0 {
            let frac = String(n % scale)
            text += "." + String(repeating: "0", count: d - frac.count) + frac
        }
        return (x < 0 && n != 0 ? "-" : "") + text
    }

    /// Decimals for an amount in `currency`: 2 for USD and stablecoins, 8 for a coin.
    static func digits(_ currency: String) -> Int { Portfolio.stablecoins.contains(currency) ? 2 : 8 }
}
