import Foundation
import MarginCore

extension VenueMarginResult {
    /// The human-readable result of a venue preset: summary in the margin currency, pools, units with their
    /// components and binding component, worst scenarios, approximations.
    func table() -> String {
        let digits = amountDigits(marginCurrency)
        var out: [String] = []
        out.append("Account \(account)   preset: \(preset)   margin currency: \(marginCurrency)")
        out.append("")
        out.append(
            renderTable(
                ["summary", marginCurrency],
                [
                    ["equity", formatNumber(equity, digits: digits)],
                    ["initial margin (IM)", formatNumber(initialMargin, digits: digits)],
                    ["maintenance margin (MM)", formatNumber(maintenanceMargin, digits: digits)],
                    ["IM in USD", formatNumber(initialMarginUSD)],
                    ["health", health.rawValue],
                    ["binding", binding],
                ]))
        if pools.count > 1 {
            out.append("")
            out.append(
                renderTable(
                    ["pool", "IM", "MM", "equity", "health"],
                    pools.map { p in
                        let d = amountDigits(p.currency)
                        return [
                            "\(p.currency)", formatNumber(p.initialMargin, digits: d),
                            formatNumber(p.maintenanceMargin, digits: d),
                            formatNumber(p.equity, digits: d), p.health.rawValue,
                        ]
                    }))
        }
        for u in units {
            out.append("")
            let d = amountDigits(u.currency)
            var header =
                "\(u.name) (\(u.currency)): IM \(formatNumber(u.initialMargin, digits: d)), "
                + "MM \(formatNumber(u.maintenanceMargin, digits: d)), binding \(u.binding)"
            if let w = u.worstScenario, w < u.scenarios.count {
                let s = u.scenarios[w]
                header += String(
                    format: "; worst scenario #%d: m=%+.2f%% vol %@ t=%gd (%@)", w + 1, s.priceMove * 100,
                    s.vol.rawValue, s.timeShiftDays, s.table.rawValue)
            } else if let w = u.worstScenario {
                header += "; worst scenario #\(w + 1)"
            }
            out.append(header)
            out.append(
                renderTable(
                    ["component", u.currency, "meaning"],
                    u.components.map { c in
                        [c.name, formatNumber(c.value, digits: d), c.meaning]
                    }))
        }
        if !approximations.isEmpty {
            out.append("")
            out.append("Approximations and assumptions (docs/VENUES.md):")
            for a in approximations { out.append("  [\(a.kind.rawValue)] \(a.id): \(a.text)") }
        }
        for n in notes { out.append("note: \(n)") }
        return out.joined(separator: "\n")
    }
}

extension VenueComparison {
    /// One book under every preset and legacy model: IM and MM in each model's currency and in USD, what binds, why.
    var table: String {
        var out = ["Account \(account): every venue preset and legacy model (USD at the index)", ""]
        out.append(
            renderTable(
                ["model", "kind", "IM", "MM", "currency", "IM (USD)", "MM (USD)", "binding"],
                rows.map { r in
                    let d = amountDigits(r.marginCurrency)
                    return [
                        r.name, r.kind, formatNumber(r.initialMargin, digits: d),
                        formatNumber(r.maintenanceMargin, digits: d),
                        r.marginCurrency, formatNumber(r.initialMarginUSD), formatNumber(r.maintenanceMarginUSD),
                        r.binding,
                    ]
                }))
        out.append("")
        out.append("Why they differ:")
        for r in rows { out.append("  \(r.name): \(r.reason)") }
        let labelled = results.flatMap(\.approximations).filter { $0.kind == .approximation }
        if !labelled.isEmpty {
            out.append("")
            out.append(
                "Approximations (VENUE_PRESETS.md): " + labelled.map(\.id).joined(separator: ", ")
                    + "; assumptions: see each preset's output and docs/VENUES.md")
        }
        return out.joined(separator: "\n")
    }
}

/// Decimals to show for an amount in `currency`: 2 for USD and stablecoins, 8 for a coin.
func amountDigits(_ currency: String) -> Int { Portfolio.stablecoins.contains(currency) ? 2 : 8 }

extension VenueMarginResult {
    /// The venue result as an HTML section (its text table, escaped), for `margin report --preset`.
    var htmlSection: String {
        let text = table().replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return "<h2>Venue preset: \(preset) (amounts in \(marginCurrency))</h2><pre>\(text)</pre>"
    }
}
