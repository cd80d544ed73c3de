import MarginCore
import MarginVenues

extension WhatIf {
    /// `{"account", "preset", "marginCurrency", "before", "after", "initialMarginChange", "accepted", "reason"}`,
    /// with `"shortfall"` (in the rejecting pool's currency, `"shortfallCurrency"`) when rejected, and `"pools"`
    /// (`[{"currency", "before", "after", "accepted", "reason", "shortfall"}]`) when the preset margins pools
    /// separately.
    public var json: JSONValue {
        var pairs: [(key: String, value: JSONValue)] = [
            ("account", .string(account)), ("preset", .string(after.preset)),
            ("marginCurrency", .string(after.marginCurrency)), ("before", before.json), ("after", after.json),
            ("initialMarginChange", .double(initialMarginChange)),
            ("accepted", .bool(decision.accepted)), ("reason", .string(decision.reason.text)),
        ]
        if !decision.accepted {
            pairs.append(("shortfall", .double(decision.shortfall)))
            pairs.append(("shortfallCurrency", .string(rejectingCurrency)))
        }
        if segregatedPools {
            pairs.append(("pools", .array(pools.map { p in
                .object([
                    ("currency", .string(p.currency)), ("before", Self.json(p.before)), ("after", Self.json(p.after)),
                    ("accepted", .bool(p.decision.accepted)), ("reason", .string(p.decision.reason.text)),
                    ("shortfall", .double(p.decision.shortfall)),
                ])
            })))
        }
        return .object(pairs)
    }

    /// The currency of the shortfall: the rejecting pool's, else the summaries'.
    var rejectingCurrency: String {
        pools.first { !$0.decision.accepted }?.currency ?? after.marginCurrency
    }

    static func json(_ f: MarginFigures) -> JSONValue {
        .object([("equity", .double(f.equity)), ("initialMargin", .double(f.initialMargin)),
                 ("maintenanceMargin", .double(f.maintenanceMargin))])
    }

    /// The human-readable check: the legs, before/after/change, the pools (Deribit), and the verdict.
    public var table: String {
        var out: [String] = []
        out.append("Account \(account): trade of \(legs.count) leg(s)   preset \(after.preset), "
            + "amounts in \(after.marginCurrency)")
        let d = amountDigits(after.marginCurrency)
        for leg in legs {
            out.append("  \(leg.position.size > 0 ? "buy" : "sell") \(formatNumber(abs(leg.position.size), digits: 4)) "
                + "\(leg.position.instrument)" + (leg.price.map { " @ \(formatNumber($0))" } ?? " at mark"))
        }
        out.append("")
        func row(_ label: String, _ a: Double, _ b: Double, _ digits: Int) -> [String] {
            [label, formatNumber(a, digits: digits), formatNumber(b, digits: digits), formatNumber(b - a, digits: digits)]
        }
        out.append(renderTable(["", "before", "after", "change"], [
            row("equity", before.equity, after.equity, d),
            row("initial margin", before.initialMargin, after.initialMargin, d),
            row("maintenance margin", before.maintenanceMargin, after.maintenanceMargin, d),
            ["health", before.health.rawValue, after.health.rawValue, ""],
        ]))
        if segregatedPools {
            for p in pools {
                let pd = amountDigits(p.currency)
                out.append("")
                out.append("pool \(p.currency): \(p.decision.accepted ? "accepted" : "rejected") (\(p.decision.reason.text))")
                out.append(renderTable(["", "before", "after", "change"], [
                    row("equity", p.before.equity, p.after.equity, pd),
                    row("initial margin", p.before.initialMargin, p.after.initialMargin, pd),
                    row("maintenance margin", p.before.maintenanceMargin, p.after.maintenanceMargin, pd),
                ]))
            }
        }
        var verdict = "\(decision.accepted ? "ACCEPTED" : "REJECTED"): \(decision.reason.text)"
        if !decision.accepted {
            verdict += " (shortfall \(formatNumber(decision.shortfall, digits: amountDigits(rejectingCurrency))) "
                + "\(rejectingCurrency))"
        }
        out.append("\n" + verdict)
        return out.joined(separator: "\n")
    }
}
