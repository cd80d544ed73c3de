import MarginCore

extension VenueMarginResult {
    /// The result as JSON: `preset`, `marginCurrency`, `initialMargin` and `maintenanceMargin` (in
    /// `marginCurrency`), their USD values, `equity`, `health`, `binding`, `pools`, `units` (components, binding,
    /// worst scenario, risk vector, position vectors) and the labelled `approximations`.
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("preset", .string(preset)),
            ("account", .string(account)),
            ("marginCurrency", .string(marginCurrency)),
            ("initialMargin", .double(initialMargin)),
            ("maintenanceMargin", .double(maintenanceMargin)),
            ("equity", .double(equity)),
            ("health", .string(health.rawValue)),
            ("marginCurrencyUSD", .double(marginCurrencyUSD)),
            ("initialMarginUSD", .double(initialMarginUSD)),
            ("maintenanceMarginUSD", .double(maintenanceMarginUSD)),
            ("binding", .string(binding)),
        ]
        fields.append(
            (
                "pools",
                .array(
                    pools.map { p in
                        .object([
                            ("currency", .string(p.currency)), ("currencyUSD", .double(p.currencyUSD)),
                            ("initialMargin", .double(p.initialMargin)),
                            ("maintenanceMargin", .double(p.maintenanceMargin)),
                            ("equity", .double(p.equity)), ("health", .string(p.health.rawValue)),
                        ])
                    })
            ))
        fields.append(("units", .array(units.map(\.json))))
        fields.append(("approximations", .array(approximations.map(\.json))))
        fields.append(("notes", .array(notes.map(JSONValue.string))))
        return .object(fields)
    }
}

extension VenueRiskUnit {
    /// `{"name", "currency", "initialMargin", "maintenanceMargin", "binding", "components": {…}, "worstScenario",
    /// "scenarios", "riskVector", "positions"}`; amounts in the unit's currency.
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("name", .string(name)),
            ("currency", .string(currency)),
            ("initialMargin", .double(initialMargin)),
            ("maintenanceMargin", .double(maintenanceMargin)),
            ("binding", .string(binding)),
            ("components", .object(components.map { ($0.name, .double($0.value)) })),
        ]
        if let w = worstScenario {
            var f: [(key: String, value: JSONValue)] = [("index", .double(Double(w)))]
            if w < scenarios.count { f.append(("scenario", scenarios[w].json)) }
            fields.append(("worstScenario", .object(f)))
        }
        if !scenarios.isEmpty { fields.append(("scenarios", .array(scenarios.map(\.json)))) }
        fields.append(("riskVector", .array(riskVector.map(JSONValue.double))))
        fields.append(
            (
                "positions",
                .array(
                    positionVectors.map { v in
                        var f: [(key: String, value: JSONValue)] = [("label", .string(v.label))]
                        if let i = v.position { f.append(("index", .double(Double(i)))) }
                        f.append(("pnl", .array(v.pnl.map(JSONValue.double))))
                        return .object(f)
                    })
            ))
        return .object(fields)
    }
}

extension VenueScenario {
    /// `{"priceMove", "vol", "timeShiftDays", "table", "weight"}`; `weight` is the fraction or the rule's name.
    public var json: JSONValue {
        let weight: JSONValue
        switch self.weight {
        case .fraction(let f): weight = .double(f)
        case .deribitExtended: weight = .string("deribitExtended")
        }
        return .object([
            ("priceMove", .double(priceMove)), ("vol", .string(vol.rawValue)),
            ("timeShiftDays", .double(timeShiftDays)), ("table", .string(table.rawValue)),
            ("weight", weight),
        ])
    }
}

extension VenueApproximation {
    /// `{"id", "kind", "text"}`: kind `approximation` (VENUE_PRESETS.md) or `assumption` (this project's choice).
    public var json: JSONValue {
        .object([("id", .string(id)), ("kind", .string(kind.rawValue)), ("text", .string(text))])
    }
}
