import Foundation
import MarginCore
import MarginEngine
import MarginLedger

/// The crash replay as a self-contained HTML page (inline SVG, no scripts, no outside resources): the price path,
/// accounts by health over time, the insurance fund, and liquidation volume against book depth.
public struct CrashReplayReport: Sendable {
    public var result: CrashReplay.Result

    public init(_ result: CrashReplay.Result) { self.result = result }

    public var html: String {
        let r = result
        let hours = r.points.map { Double($0.seconds) / 3_600 }
        let underlyings = Array(Set(r.points.flatMap { $0.index.keys })).sorted()
        var body = "<h1>Crash replay: \(escape(r.scenario))</h1><p class=\"sub\">\(escape(r.summary)); \(r.accounts) traders; "
            + "sequence \(r.sequence), margin digest \(r.marginDigest)</p>"
        body += "<pre>\(escape(r.table))</pre>"
        body += "<h2>Price path</h2>"
        for u in underlyings {
            body += chart(title: "\(u) index (USD)", x: hours, series: [(u, "#0969da", r.points.map { $0.index[u] ?? 0 })])
        }
        body += "<h2>Accounts by health</h2>"
        let colors: [Health: String] = [.healthy: "#1a7f37", .restricted: "#b08800", .liquidation: "#d1242f",
                                        .takeover: "#8b0000"]
        body += chart(title: "accounts", x: hours, series: Health.allCases.map { h in
            (h.rawValue, colors[h] ?? "#666", r.points.map { Double($0.health[h] ?? 0) })
        })
        body += "<h2>Insurance fund</h2>"
        body += chart(title: "fund equity (USD)", x: hours, series: [("fund", "#8250df", r.points.map(\.insuranceFund))])
        body += "<h2>Liquidation volume against book depth</h2>"
        body += chart(title: "USD notional per point", x: hours, series: [
            ("liquidated", "#d1242f", r.points.map(\.liquidationVolume)),
            ("book depth within the impact limit", "#8c959f", r.points.map(\.bookDepth)),
        ])
        return """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Crash replay \(escape(r.scenario))</title>
            <style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px 40px;color:#1d2433}
            .sub{color:#667}h2{margin-top:28px;border-bottom:1px solid #dde}svg text{font-size:11px;fill:#334}
            pre{background:#f6f8fa;padding:12px}</style></head><body>\(body)</body></html>
            """
    }

    /// A line chart of `series` over `x` (hours), with axes, min/max labels and a legend.
    func chart(title: String, x: [Double], series: [(String, String, [Double])]) -> String {
        let w = 760.0, h = 220.0, left = 70.0, bottom = 30.0, top = 20.0
        let values = series.flatMap(\.2).filter(\.isFinite)
        let lo = min(values.min() ?? 0, 0), hi = max(values.max() ?? 1, lo + 1)
        let x0 = x.first ?? 0, x1 = max(x.last ?? 1, x0 + 1e-9)
        func px(_ v: Double) -> Double { left + (w - left - 10) * (v - x0) / (x1 - x0) }
        func py(_ v: Double) -> Double { top + (h - top - bottom) * (1 - (v - lo) / (hi - lo)) }
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<text x=\"4\" y=\"12\">\(escape(title))</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(py(lo))\" x2=\"\(w - 10)\" y2=\"\(py(lo))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(py(lo))\" stroke=\"#999\"/>"
        svg += "<text x=\"4\" y=\"\(py(hi) + 4)\">\(formatNumber(hi, digits: 0))</text>"
        svg += "<text x=\"4\" y=\"\(py(lo))\">\(formatNumber(lo, digits: 0))</text>"
        svg += "<text x=\"\(left)\" y=\"\(h - 8)\">\(String(format: "%.1f h", x0))</text>"
        svg += "<text x=\"\(w - 60)\" y=\"\(h - 8)\">\(String(format: "%.1f h", x1))</text>"
        for (k, s) in series.enumerated() {
            let points = zip(x, s.2).map { String(format: "%.1f,%.1f", px($0), py($1.isFinite ? $1 : 0)) }
            svg += "<polyline fill=\"none\" stroke=\"\(s.1)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
            svg += "<rect x=\"\(left + 10 + Double(k) * 170)\" y=\"\(top - 12)\" width=\"10\" height=\"10\" fill=\"\(s.1)\"/>"
            svg += "<text x=\"\(left + 24 + Double(k) * 170)\" y=\"\(top - 3)\">\(escape(s.0))</text>"
        }
        return svg + "</svg>"
    }

    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
