import Foundation
import MarginCore

/// A backtest as a self-contained HTML page (inline CSS and SVG, no scripts, no outside resources): the summary
/// table, then per model its maintenance margin against the realized loss over time, exceptions marked in red.
public struct BacktestHTMLReport: Sendable {
    public var result: BacktestResult
    /// The book template's account name, for the title.
    public var account: String

    public init(result: BacktestResult, account: String) {
        self.result = result
        self.account = account
    }

    public var html: String {
        let r = result
        var body = "<h1>Margin backtest: \(htmlEscaped(account))</h1>"
        body += "<p class=\"sub\">\(htmlEscaped(r.dates.first ?? "")) to \(htmlEscaped(r.dates.last ?? "")): "
            + "\(r.dates.count) observations, horizon \(r.horizonDays) day(s), coverage "
            + "\(formatNumber(100 * r.coverage))%. Zero rates and basis; flat vol "
            + zip(r.underlyings, r.volSources).map { "\(htmlEscaped($0)) \($1 == "implied" ? "implied" : "RiskMetrics proxy")" }
                .joined(separator: ", ") + ". All amounts USD.</p><h2>Summary</h2>" + summaryTable
        for m in r.models {
            body += "<h2>\(htmlEscaped(m.name))</h2>" + chart(m)
        }
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Margin backtest \(htmlEscaped(account))</title>
            <style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px 40px;color:#1d2433}
            .sub{color:#667}h2{margin-top:28px;border-bottom:1px solid #dde}svg text{font-size:11px;fill:#334}
            table{border-collapse:collapse}td,th{border:1px solid #dde;padding:4px 10px;text-align:right;font-variant-numeric:tabular-nums}
            th{background:#f0f2f5}td:first-child,th:first-child{text-align:left}.green{color:#1a7f37}.yellow{color:#9a6700}.red{color:#d1242f}
            </style></head><body>\(body)</body></html>
            """
    }

    private var summaryTable: String {
        let header = ["model", "T", "exceptions", "coverage", "Kupiec LR", "p-value", "Kupiec", "zone (last 250)",
                      "mean MM", "vs fixed", "worst shortfall", "on"]
        var html = "<table><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr>"
        for m in result.models {
            let s = m.statistics
            let cells = [htmlEscaped(m.name), String(s.observations), String(s.exceptions),
                         formatNumber(100 * s.coverage) + "%", formatNumber(s.kupiec.likelihoodRatio, digits: 3),
                         formatNumber(s.kupiec.pValue, digits: 4), s.kupiec.accepts ? "accept" : "reject",
                         "<span class=\"\(s.zone.rawValue)\">\(s.zone.rawValue)</span>", formatNumber(s.meanMargin),
                         s.meanMarginVsFixed.map { formatNumber($0, digits: 3) + "×" } ?? "",
                         formatNumber(s.worstShortfall.amount), htmlEscaped(s.worstShortfall.date)]
            html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    /// Margin (blue line) and realized loss (grey line; gains below zero) per observation, exceptions as red dots.
    private func chart(_ m: BacktestResult.Model) -> String {
        let losses = result.losses
        let n = losses.count
        let w = 900.0, h = 260.0, left = 80.0, right = 10.0, top = 24.0, bottom = 30.0
        let values = (losses + m.margins).filter(\.isFinite)
        let lo = min(values.min() ?? 0, 0), hi = max(values.max() ?? 1, lo + 1)
        func px(_ i: Int) -> Double { left + (w - left - right) * Double(i) / Double(max(n - 1, 1)) }
        func py(_ v: Double) -> Double { top + (h - top - bottom) * (1 - ((v.isFinite ? v : 0) - lo) / (hi - lo)) }
        func polyline(_ series: [Double], _ color: String, _ width: Double) -> String {
            let points = series.enumerated().map { String(format: "%.1f,%.1f", px($0.offset), py($0.element)) }
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" points=\"\(points.joined(separator: " "))\"/>"
        }
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" "
            + "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">"
        svg += "<line x1=\"\(left)\" y1=\"\(py(0))\" x2=\"\(w - right)\" y2=\"\(py(0))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#999\"/>"
        svg += "<text x=\"4\" y=\"\(py(hi) + 4)\">\(formatNumber(hi, digits: 0))</text>"
        svg += "<text x=\"4\" y=\"\(py(0) + 4)\">0</text>"
        svg += "<text x=\"4\" y=\"\(py(lo))\">\(formatNumber(lo, digits: 0))</text>"
        svg += "<text x=\"\(left)\" y=\"\(h - 8)\">\(htmlEscaped(result.dates.first ?? ""))</text>"
        svg += "<text x=\"\(w - right - 80)\" y=\"\(h - 8)\">\(htmlEscaped(result.dates.last ?? ""))</text>"
        svg += polyline(losses, "#9aa3ad", 1) + polyline(m.margins, "#0969da", 1.5)
        for i in 0..<n where losses[i] > m.margins[i] {
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#d1242f\">", px(i), py(losses[i]))
                + "<title>\(htmlEscaped(result.dates[i])): loss \(formatNumber(losses[i], digits: 0)) &gt; margin "
                + "\(formatNumber(m.margins[i], digits: 0))</title></circle>"
        }
        let legend = [("maintenance margin", "#0969da"), ("realized loss", "#9aa3ad"), ("exception", "#d1242f")]
        for (k, item) in legend.enumerated() {
            svg += "<rect x=\"\(left + 10 + Double(k) * 160)\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(item.1)\"/>"
            svg += "<text x=\"\(left + 24 + Double(k) * 160)\" y=\"15\">\(item.0)</text>"
        }
        return svg + "</svg>"
    }
}
