import Foundation
import MarginCore
import MarginVenues

extension VenueMarginResult {
    /// The human-readable result of a venue preset: summary in the margin currency, pools, units with their
    /// components and binding component, worst scenarios, approximations.
    public func table() -> String {
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

/// Decimals to show for an amount in `currency`: 2 for USD and stablecoins, 8 for a coin.
public func amountDigits(_ currency: String) -> Int { Portfolio.stablecoins.contains(currency) ? 2 : 8 }

