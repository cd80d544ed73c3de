import Foundation
import MarginCore
import MarginVenues

extension VenueComparison {
    /// One book under every preset and legacy model: IM and MM in each model's currency and in USD, what binds, why.
    public var table: String {
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


extension VenueComparison {
    /// One model's IM and MM in USD, as `compare` (without `--venues`) shows them: the chosen preset's row is
    /// labelled `portfolio`, the legacy models follow.
    public struct SavingsRow: Hashable, Sendable {
        public var model: String
        public var initialMargin: Double
        public var maintenanceMargin: Double
    }

    /// The rows of the savings view, USD.
    public var savingsRows: [SavingsRow] {
        rows.enumerated().map { k, r in
            SavingsRow(model: k == 0 && r.kind == "preset" ? "portfolio" : r.name, initialMargin: r.initialMarginUSD,
                       maintenanceMargin: r.maintenanceMarginUSD)
        }
    }

    /// The first preset's equity, USD.
    public var equityUSD: Double { results.first.map { $0.equity * $0.marginCurrencyUSD } ?? 0 }

    /// `{"account", "preset", "marginCurrency": "USD", "equity", "models": [{"model", "initialMargin",
    /// "maintenanceMargin", "savedByPortfolioIM"}]}`: the capital the first preset saves against each model.
    public var savingsJSON: JSONValue {
        let rows = savingsRows
        let portfolioIM = rows.first?.initialMargin ?? 0
        return .object([
            ("account", .string(account)),
            ("preset", .string(results.first?.preset ?? "reference")),
            ("marginCurrency", .string("USD")),
            ("equity", .double(equityUSD)),
            ("models", .array(rows.map { m in
                .object([("model", .string(m.model)), ("initialMargin", .double(m.initialMargin)),
                         ("maintenanceMargin", .double(m.maintenanceMargin)),
                         ("savedByPortfolioIM", .double(m.initialMargin - portfolioIM))])
            })),
        ])
    }

    /// The savings view as a table: every model's IM and MM and what the first preset saves against it.
    public var savingsTable: String {
        let rows = savingsRows
        let portfolioIM = rows.first?.initialMargin ?? 0
        return "Account \(account)   preset \(results.first?.preset ?? "reference")   equity \(formatNumber(equityUSD)) USD\n\n"
            + renderTable(["model", "IM (USD)", "MM (USD)", "IM saved by portfolio", "saved %"], rows.map { m in
                let saved = m.initialMargin - portfolioIM
                let pct = m.initialMargin > 0 ? String(format: "%.1f%%", 100 * saved / m.initialMargin) : "-"
                return [m.model, formatNumber(m.initialMargin), formatNumber(m.maintenanceMargin),
                        m.model == "portfolio" ? "" : formatNumber(saved), m.model == "portfolio" ? "" : pct]
            })
    }
}
