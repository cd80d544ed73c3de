extension Greeks {
    /// `{"delta", "gamma", "vega", "theta", "rho"}`, USD.
    public var json: JSONValue {
        .object([("delta", .double(delta)), ("gamma", .double(gamma)), ("vega", .double(vega)),
                 ("theta", .double(theta)), ("rho", .double(rho))])
    }
}

extension Scenario {
    /// `{"kind", "priceMove", "volShift", "timeShiftDays"}`.
    public var json: JSONValue {
        .object([("kind", .string(kind.rawValue)), ("priceMove", .double(priceMove)), ("volShift", .double(volShift)),
                 ("timeShiftDays", .double(timeShiftDays))])
    }
}

extension RiskArray {
    /// The regular scenarios' P&L nested `[price][vol][time]` (21×3×2 in the reference set), USD, positive = gain.
    public var nestedRegularPnL: JSONValue {
        let s = scenarios
        return .array((0..<s.priceMoves.count).map { i in
            .array((0..<s.volCount).map { j in
                .array((0..<s.timeCount).map { l in .double(pnl[(i * s.volCount + j) * s.timeCount + l]) })
            })
        })
    }
}

extension MarginReport {
    /// The report as JSON: MARGIN_MODEL.md's output fields (`initialMargin`, `maintenanceMargin`, `equity`, `health`,
    /// `underlyings.<NAME>.{scan, extreme, som, roll, liquidationCost, riskArray}`) and the explanation.
    /// `riskArray` is the account's USD P&L (positive = gain) indexed `[price][vol][time]`.
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("account", .string(account)),
            ("parameters", .string(parameters)),
            ("correlationMode", .string(requirement.mode.rawValue)),
            ("initialMargin", .double(initialMargin)),
            ("maintenanceMargin", .double(maintenanceMargin)),
            ("equity", .double(equity)),
            ("health", .string(health.rawValue)),
            ("excessEquity", .double(excessEquity)),
            ("core", .double(requirement.core)),
        ]
        if let joint = requirement.joint { fields.append(("joint", .double(joint))) }
        fields.append(("underlyings", .object(underlyings.map { u in
            let c = u.components
            let s = u.riskArray.scenarios
            return (u.name, .object([
                ("index", .double(u.index)),
                ("scan", .double(c.scan)),
                ("extreme", .double(c.extreme)),
                ("som", .double(c.som)),
                ("roll", .double(c.roll)),
                ("liquidationCost", .double(c.liquidationCost)),
                ("driver", .string(u.driver.rawValue)),
                ("worstScenario", u.drivingScenario.json),
                ("riskArray", u.riskArray.nestedRegularPnL),
                ("priceMoves", .array(s.priceMoves.map(JSONValue.double))),
                ("volShifts", .array(s.volShifts.map(JSONValue.double))),
                ("timeShiftsDays", .array(s.timeShifts.map { .double($0 * Instant.secondsPerYear / 86_400) })),
                ("priceLossCurve", .array(u.riskArray.priceLossCurve.map(JSONValue.double))),
                ("extremePnL", .array(u.riskArray.pnl[s.extremeOffset..<s.rollOffset].map(JSONValue.double))),
                ("rollPnL", .array(u.riskArray.pnl[s.rollOffset..<s.count].map(JSONValue.double))),
                ("greeks", u.greeks.json),
            ]))
        })))
        fields.append(("positions", .array(positions.map { p in
            var f: [(key: String, value: JSONValue)] = [
                ("index", .double(Double(p.index))),
                ("instrument", .string(p.position.instrument.description)),
                (p.position.instrument.isSizedByNotional ? "notionalUSD" : "quantity", .double(p.position.size)),
                ("valueUSD", .double(p.valueUSD)),
                ("scenarioPnL", .double(p.scenarioPnL)),
            ]
            if let m = p.marginalMaintenance { f.append(("marginalMaintenance", .double(m))) }
            if let v = p.vol { f.append(("vol", .double(v))) }
            f.append(("greeks", p.greeks.json))
            return .object(f)
        })))
        fields.append(("balances", .array(balances.map { b in
            .object([("currency", .string(b.currency)), ("amount", .double(b.amount)), ("valueUSD", .double(b.valueUSD)),
                     ("scenarioPnL", .double(b.scenarioPnL))])
        })))
        return .object(fields)
    }
}
