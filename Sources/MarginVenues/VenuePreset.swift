import MarginCore

/// A venue's margin method with its parameters: the reference model of MARGIN_MODEL.md (the default), Deribit's
/// portfolio margin, CME SPAN or OKX's portfolio margin (VENUE_PRESETS.md).
///
/// ```swift
/// let preset = try VenuePreset(named: "deribit")
/// let result = try preset.margin(of: portfolio, market: market)   // IM, MM in BTC for a BTC-settled book
/// ```
///
/// Parameters load from a parameter file over the preset's defaults (``init(json:preset:)``); every value is
/// range-checked and an error names the field.
public enum VenuePreset: Hashable, Sendable {
    case reference(RiskParameters)
    case deribit(DeribitParameters)
    case span(SpanParameters)
    case okx(OKXParameters)

    /// The presets' names.
    public enum Name: String, Hashable, Sendable, CaseIterable {
        case reference, deribit, span, okx
    }

    /// The preset `name` with its default parameters.
    public init(_ name: Name) {
        switch name {
        case .reference: self = .reference(.reference)
        case .deribit: self = .deribit(.published)
        case .span: self = .span(.defaults)
        case .okx: self = .okx(.defaults)
        }
    }

    /// The preset named `text` (case-sensitive) with its defaults.
    ///
    /// - Throws: ``InputError/invalid(path:reason:)`` at `path` listing the known presets.
    public init(named text: String, path: String = "--preset") throws(InputError) {
        self.init(try Self.name(text, path: path))
    }

    /// Parses a preset name.
    public static func name(_ text: String, path: String = "--preset") throws(InputError) -> Name {
        guard let name = Name(rawValue: text) else {
            let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError.invalid(path: path, reason: "unknown preset \"\(text)\" (known presets: \(known))")
        }
        return name
    }

    /// Decodes a parameter file over a preset's defaults.
    ///
    /// The preset is `preset`, else the file's `"preset"` field, else `reference`. The file holds that preset's
    /// fields at its root, or in a section named after it (`{"deribit": {…}, "okx": {…}}`, so one file can tune
    /// every venue for `compare --venues`). A reference file is MARGIN_MODEL.md's parameter format.
    ///
    /// Strict at every level: the root may hold `"preset"`, sections (objects named after presets) and the fields
    /// of the preset the root is for (the file's `"preset"`, else `reference`); a section, the fields of its preset.
    /// Any other key is an error naming its JSON path (`$.priceRang`), even in a part the chosen preset does not
    /// read.
    ///
    /// - Throws: ``InputError`` naming the field: an unknown key, an unknown preset, a `"preset"` that contradicts
    ///   `preset`, or a value out of range.
    public init(json root: JSONNode, preset: Name? = nil) throws(InputError) {
        let fileNode = try root.optional("preset")
        let filePreset = try fileNode.map { (n) throws(InputError) in try Self.name(n.string(), path: n.path) }
        let sectionKeys = Name.allCases.map(\.rawValue)
        try root.rejectUnknownKeys(["preset"] + sectionKeys + Self.fileKeys(of: filePreset ?? .reference))
        for key in sectionKeys { _ = try root.optional(key)?.object() }
        if let preset, let filePreset, preset != filePreset, try root.optional(preset.rawValue) == nil {
            throw InputError.invalid(
                path: fileNode?.path ?? root.path,
                reason: "the file is for preset \"\(filePreset.rawValue)\", not \"\(preset.rawValue)\"")
        }
        let name = preset ?? filePreset ?? .reference
        var node = root
        var extraKeys = ["preset"] + sectionKeys
        if let section = try root.optional(name.rawValue) {
            node = section
            extraKeys = []
        } else if filePreset == nil, name != .reference {
            throw InputError.invalid(
                path: root.path,
                reason: "a reference parameter file (no \"preset\" field, no "
                    + "\"\(name.rawValue)\" section) cannot tune preset \"\(name.rawValue)\"")
        }
        switch name {
        case .reference: self = .reference(try RiskParameters(json: node, allowing: extraKeys))
        case .deribit: self = .deribit(try DeribitParameters(json: node, allowing: extraKeys))
        case .span: self = .span(try SpanParameters(json: node, allowing: extraKeys))
        case .okx: self = .okx(try OKXParameters(json: node, allowing: extraKeys))
        }
    }

    /// The keys a parameter file of preset `name` holds at its level (without `"preset"` and sections).
    public static func fileKeys(of name: Name) -> [String] {
        switch name {
        case .reference: return RiskParameters.fileKeys
        case .deribit: return DeribitParameters.fileKeys
        case .span: return SpanParameters.fileKeys
        case .okx: return OKXParameters.fileKeys
        }
    }

    /// Every preset, each tuned by `root` where it applies: its section (`{"deribit": {…}}`), or the root when the
    /// file's `"preset"` names it (a file without `"preset"` tunes the reference preset); defaults otherwise. For
    /// `compare --venues`.
    ///
    /// - Throws: ``InputError`` naming the field of a value out of range.
    public static func all(json root: JSONNode?) throws(InputError) -> [VenuePreset] {
        guard let root else { return Name.allCases.map { VenuePreset($0) } }
        let filePreset = try root.optional("preset").map { (n) throws(InputError) in
            try Self.name(n.string(), path: n.path)
        }
        var out: [VenuePreset] = []
        for name in Name.allCases {
            let hasSection: Bool
            if let section = try root.optional(name.rawValue), case .object = section.value {
                hasSection = true
            } else {
                hasSection = false
            }
            let applies = hasSection || (filePreset ?? .reference) == name
            out.append(
                applies
                    ? try VenuePreset(json: root, preset: hasSection ? name : (filePreset ?? .reference))
                    : VenuePreset(name))
        }
        return out
    }

    public var name: Name {
        switch self {
        case .reference: return .reference
        case .deribit: return .deribit
        case .span: return .span
        case .okx: return .okx
        }
    }

    /// How the preset chooses its margin currency.
    public var marginCurrencyRule: String {
        switch self {
        case .deribit: return "the settlement currency of each pool (BTC, ETH, USDC); USD when a book spans several"
        case .reference, .span, .okx: return "USD"
        }
    }

    /// What the preset approximates or assumes (empty for the reference model, which is the specification).
    public var approximations: [VenueApproximation] {
        switch self {
        case .reference: return []
        case .deribit: return DeribitMargin.approximations
        case .span: return SpanMargin.approximations
        case .okx: return OKXMargin.approximations
        }
    }

    /// The margin of `portfolio` under this preset. The reference preset delegates to ``MarginCalculator``, so its
    /// figures are exactly the reference model's.
    ///
    /// - Throws: ``InputError`` naming the position or field for invalid input.
    public func margin(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> VenueMarginResult {
        switch self {
        case .reference(let p):
            let report = try MarginCalculator(parameters: p).margin(of: portfolio, market: market, explain: false)
            return VenueMarginResult(reference: report)
        case .deribit(let p): return try DeribitMargin(parameters: p).margin(of: portfolio, market: market)
        case .span(let p): return try SpanMargin(parameters: p).margin(of: portfolio, market: market)
        case .okx(let p): return try OKXMargin(parameters: p).margin(of: portfolio, market: market)
        }
    }
}

extension VenueMarginResult {
    /// The reference model's report in the venue form: one USD pool, one unit per underlying with MARGIN_MODEL.md's
    /// components. Account figures are the report's own; unit IM/MM are `max(scan, extreme, som) + roll + liq` (and
    /// 1.3× that), which add up to the account's in `sum` mode only.
    public init(reference r: MarginReport) {
        let relation = r.requirement.maintenanceMargin > 0 ? r.initialMargin / r.maintenanceMargin : 1.3
        let units = r.underlyings.map { u in
            let c = u.components
            let mm = c.core + c.roll + c.liquidationCost
            return VenueRiskUnit(
                name: u.name, currency: "USD", currencyUSD: 1,
                components: [
                    VenueComponent("scan", c.scan, "largest regular-scenario loss"),
                    VenueComponent("extreme", c.extreme, "covered fraction of the largest extreme loss"),
                    VenueComponent("som", c.som, "short-option minimum"),
                    VenueComponent("roll", c.roll, "basis (forward-shift) loss"),
                    VenueComponent("liquidationCost", c.liquidationCost, "cost of closing the positions"),
                ],
                binding: u.driver.rawValue, initialMargin: relation * mm, maintenanceMargin: mm,
                riskVector: u.riskArray.pnl)
        }
        let pool = VenuePool(
            currency: "USD", currencyUSD: 1, initialMargin: r.initialMargin,
            maintenanceMargin: r.maintenanceMargin, equity: r.equity, health: r.health)
        var notes: [String] = []
        if r.requirement.mode == .correlated {
            notes.append("correlated mode: the account's core is the joint loss; unit figures are stand-alone")
        }
        self = .combining(
            preset: "reference", account: r.account, pools: [pool], units: units, approximations: [],
            notes: notes)
    }
}
