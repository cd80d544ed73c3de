import Foundation
import MarginCore
import MarginVenues

/// A one-file HTML report (inline CSS and SVG, no scripts, no external resources): the reference model's report
/// with heat maps, the price-loss curves, components, Greeks, positions, the comparison with the legacy models,
/// and, when a venue preset was chosen, the venue's result as a section of its own.
public struct HTMLReport: Sendable {
    /// The reference model's explained report.
    public var report: MarginReport
    /// The chosen preset against the legacy models (its first row is the chosen preset).
    public var comparison: VenueComparison
    /// The chosen venue preset's result, when it is not the reference model.
    public var venue: VenueMarginResult?
    public var valuationTime: Instant

    public init(report: MarginReport, comparison: VenueComparison, venue: VenueMarginResult?, valuationTime: Instant) {
        self.report = report
        self.comparison = comparison
        self.venue = venue
        self.valuationTime = valuationTime
    }

    /// The whole document.
    public var html: String {
        var body = """
            <h1>Margin report: \(escape(report.account))</h1>
            <p class="sub">Valuation \(valuationTime) · parameters \(escape(report.parameters)) · correlation mode \
            \(report.requirement.mode.rawValue) · all amounts USD</p>
            <div class="cards">
            \(card("Equity", report.equity))\(card("Initial margin", report.initialMargin))\
            \(card("Maintenance margin", report.maintenanceMargin))\(card("Excess over IM", report.excessEquity))
            <div class="card health \(report.health.rawValue)"><div class="label">Health</div>\
            <div class="value">\(report.health.rawValue)</div></div>
            </div>
            <h2>Components</h2>
            \(componentsTable)
            <h2>Capital efficiency: portfolio vs legacy models (IM)</h2>
            \(legacyChart)
            """
        for u in report.underlyings {
            body += "<h2>\(escape(u.name)): risk array (P&amp;L by price move × vol shift)</h2>"
            body += "<p class=\"sub\">Driver: \(u.driver.rawValue); worst scenario \(describe(u.drivingScenario)). "
                + "Red = loss, green = gain; the outlined cell drove the requirement.</p><div class=\"maps\">"
            for l in 0..<u.riskArray.scenarios.timeCount { body += heatMap(u, timeIndex: l) }
            body += "</div><h3>Price-loss curve ℓ(x)</h3>" + lossCurve(u)
        }
        body += "<h2>Greeks per underlying</h2>" + greeksTable + "<h2>Positions</h2>" + positionsTable
        if let venue { body += venueSection(venue) }
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Margin report \(escape(report.account))</title>
            <style>
            body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px 40px;color:#1d2433;background:#fafbfc}
            h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #dde;padding-bottom:4px}.sub{color:#667}
            .cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde;border-radius:8px;padding:10px 16px;min-width:150px}
            .label{color:#667;font-size:12px;text-transform:uppercase}.value{font-size:22px;font-weight:600}
            .healthy .value{color:#1a7f37}.restricted .value{color:#b08800}.liquidation .value{color:#d1242f}.takeover .value{color:#8b0000}
            table{border-collapse:collapse;background:#fff}td,th{border:1px solid #dde;padding:4px 10px;text-align:right;font-variant-numeric:tabular-nums}
            th{background:#f0f2f5}td:first-child,th:first-child{text-align:left}.maps{display:flex;gap:24px;flex-wrap:wrap}
            svg text{font-size:11px;fill:#334}
            </style></head><body>\(body)</body></html>
            """
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private func card(_ label: String, _ value: Double) -> String {
        "<div class=\"card\"><div class=\"label\">\(label)</div><div class=\"value\">\(formatNumber(value, digits: 0))</div></div>"
    }

    private func describe(_ s: Scenario) -> String {
        String(format: "%@: price %+.1f%%, vol %+.0f%%, %g day(s)", s.kind.rawValue, s.priceMove * 100, s.volShift * 100,
               s.timeShiftDays)
    }

    private func htmlTable(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    private var componentsTable: String {
        var rows = report.underlyings.map { u in
            [u.name, formatNumber(u.index), formatNumber(u.components.scan), formatNumber(u.components.extreme),
             formatNumber(u.components.som), formatNumber(u.components.roll), formatNumber(u.components.liquidationCost),
             u.driver.rawValue]
        }
        rows.append(["core", "", "", "", "", "", "", formatNumber(report.requirement.core)])
        if let joint = report.requirement.joint { rows.append(["joint (correlated)", "", "", "", "", "", "", formatNumber(joint)]) }
        return htmlTable(["underlying", "index", "scan", "extreme", "SOM", "roll", "liq. cost", "driver"], rows)
    }

    private var greeksTable: String {
        htmlTable(["underlying", "delta (USD/USD)", "gamma (per USD²)", "vega (per 1.00 vol)", "theta (per year)", "rho"],
                  report.underlyings.map { u in
            [u.name, String(format: "%.4f", u.greeks.delta), String(format: "%.4e", u.greeks.gamma),
             formatNumber(u.greeks.vega), formatNumber(u.greeks.theta), formatNumber(u.greeks.rho)]
        })
    }

    private var positionsTable: String {
        htmlTable(["#", "instrument", "size", "value", "P&L in worst scenario", "marginal MM", "delta", "vega"],
                  report.positions.map { p in
            [String(p.index), p.position.instrument.description, formatNumber(p.position.size, digits: 4),
             formatNumber(p.valueUSD), formatNumber(p.scenarioPnL), p.marginalMaintenance.map { formatNumber($0) } ?? "",
             String(format: "%.4f", p.greeks.delta), formatNumber(p.greeks.vega)]
        } + report.balances.map { b in
            ["", "balance \(b.currency)", formatNumber(b.amount, digits: 4), formatNumber(b.valueUSD),
             formatNumber(b.scenarioPnL), "", "", ""]
        })
    }

    private func color(_ pnl: Double, scale: Double) -> String {
        let t = min(1, abs(pnl) / max(scale, 1e-9))
        let base = 255 - Int(t * 175)
        return pnl < 0 ? "rgb(255,\(base),\(base))" : "rgb(\(base),255,\(base))"
    }

    private func heatMap(_ u: MarginReport.UnderlyingReport, timeIndex l: Int) -> String {
        let s = u.riskArray.scenarios
        let pnl = u.riskArray.pnl
        let scale = pnl[0..<s.regularCount].map { abs($0) }.max() ?? 1
        let cw = 34.0
        let ch = 34.0
        let left = 60.0
        let top = 24.0
        let width = left + cw * Double(s.priceMoves.count) + 10
        let height = top + ch * Double(s.volCount) + 40
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<text x=\"\(left)\" y=\"14\">time shift \(String(format: "%g", s.timeShifts[l] * 365)) day(s)</text>"
        for j in 0..<s.volCount {
            let row = s.volCount - 1 - j
            svg += "<text x=\"4\" y=\"\(top + ch * Double(row) + ch / 2 + 4)\">vol \(String(format: "%+.0f%%", s.volShifts[j] * 100))</text>"
            for i in 0..<s.priceMoves.count {
                let idx = (i * s.volCount + j) * s.timeCount + l
                let x = left + cw * Double(i)
                let y = top + ch * Double(row)
                let stroke = idx == u.drivingScenarioIndex ? " stroke=\"#000\" stroke-width=\"3\"" : " stroke=\"#fff\""
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cw)\" height=\"\(ch)\" fill=\"\(color(pnl[idx], scale: scale))\"\(stroke)>"
                    + "<title>m \(String(format: "%+.1f%%", s.priceMoves[i] * 100)), v \(String(format: "%+.0f%%", s.volShifts[j] * 100)): "
                    + "P&amp;L \(formatNumber(pnl[idx]))</title></rect>"
            }
        }
        for i in stride(from: 0, to: s.priceMoves.count, by: 2) {
            let x = left + cw * Double(i) + 2
            svg += "<text x=\"\(x)\" y=\"\(top + ch * Double(s.volCount) + 14)\">\(String(format: "%+.0f%%", s.priceMoves[i] * 100))</text>"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 6)\">price move →</text></svg>"
        return svg
    }

    private func lossCurve(_ u: MarginReport.UnderlyingReport) -> String {
        let curve = u.riskArray.priceLossCurve
        let moves = u.riskArray.scenarios.priceMoves
        let w = 640.0
        let h = 240.0
        let left = 80.0
        let bottom = 30.0
        let lo = min(0, curve.min() ?? 0)
        let hi = max(1, curve.max() ?? 1, u.components.scan) * 1.08
        func px(_ i: Int) -> Double { left + (w - left - 10) * Double(i) / Double(max(moves.count - 1, 1)) }
        func py(_ v: Double) -> Double { 10 + (h - bottom - 10) * (1 - (v - lo) / (hi - lo)) }
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<line x1=\"\(left)\" y1=\"\(py(0))\" x2=\"\(w - 10)\" y2=\"\(py(0))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(py(u.components.scan))\" x2=\"\(w - 10)\" y2=\"\(py(u.components.scan))\" "
            + "stroke=\"#d1242f\" stroke-dasharray=\"4 3\"/><text x=\"\(left + 4)\" y=\"\(max(py(u.components.scan) - 4, 12))\">"
            + "scan \(formatNumber(u.components.scan, digits: 0))</text>"
        let points = curve.enumerated().map { "\(px($0)),\(py($1))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"\(points)\"/>"
        for (i, v) in curve.enumerated() {
            svg += "<circle cx=\"\(px(i))\" cy=\"\(py(v))\" r=\"3\" fill=\"#0969da\"><title>\(String(format: "%+.1f%%", moves[i] * 100)): "
                + "loss \(formatNumber(v))</title></circle>"
        }
        for i in stride(from: 0, to: moves.count, by: 4) {
            svg += "<text x=\"\(px(i) - 12)\" y=\"\(h - 10)\">\(String(format: "%+.0f%%", moves[i] * 100))</text>"
        }
        svg += "<text x=\"4\" y=\"\(py(hi) + 10)\">\(formatNumber(hi, digits: 0))</text>"
        svg += "<text x=\"4\" y=\"\(py(lo))\">\(formatNumber(lo, digits: 0))</text></svg>"
        return svg
    }

    /// The venue preset's result: its text table, escaped, under its own heading.
    private func venueSection(_ venue: VenueMarginResult) -> String {
        let text = venue.table().replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return "<h2>Venue preset: \(venue.preset) (amounts in \(venue.marginCurrency))</h2><pre>\(text)</pre>"
    }

    private var legacyChart: String {
        let rows = comparison.savingsRows
        let maxIM = max(rows.map(\.initialMargin).max() ?? 1, 1)
        let w = 640.0
        var svg = "<svg width=\"\(Int(w))\" height=\"\(rows.count * 30 + 10)\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (k, m) in rows.enumerated() {
            let y = Double(k * 30 + 5)
            let bw = (w - 300) * m.initialMargin / maxIM
            svg += "<text x=\"4\" y=\"\(y + 15)\">\(m.model)</text>"
            svg += "<rect x=\"130\" y=\"\(y)\" width=\"\(bw)\" height=\"20\" fill=\"\(k == 0 ? "#1a7f37" : "#8c959f")\"/>"
            svg += "<text x=\"\(136 + bw)\" y=\"\(y + 15)\">\(formatNumber(m.initialMargin, digits: 0))</text>"
        }
        return svg + "</svg>"
    }
}
