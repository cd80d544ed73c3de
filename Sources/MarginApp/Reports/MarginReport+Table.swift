import Foundation
import MarginCore

extension MarginReport {
    /// The human-readable report: summary, components, driving scenarios, positions, heat map.
    public func table(color: Bool) -> String {
        var out: [String] = []
        let mode = requirement.mode == .correlated ? "correlated" : "sum"
        out.append("Account \(account)   parameters: \(parameters)   correlation mode: \(mode)")
        out.append("")
        out.append(renderTable(["summary", "USD"], [
            ["equity", formatNumber(equity)],
            ["initial margin (IM)", formatNumber(initialMargin)],
            ["maintenance margin (MM)", formatNumber(maintenanceMargin)],
            ["excess over IM", formatNumber(excessEquity)],
            ["health", health.rawValue],
        ] + (requirement.joint.map { [["joint loss (correlated)", formatNumber($0)]] } ?? [])))
        out.append("")
        out.append(renderTable(
            ["underlying", "index", "scan", "extreme", "SOM", "roll", "liq. cost", "driver", "worst scenario"],
            underlyings.map { u in
                let c = u.components
                let s = u.drivingScenario
                let scenario = String(format: "%@ m=%+.1f%% v=%+.0f%% t=%gd", s.kind.rawValue, s.priceMove * 100,
                                      s.volShift * 100, s.timeShiftDays)
                return [u.name, formatNumber(u.index), formatNumber(c.scan), formatNumber(c.extreme), formatNumber(c.som),
                        formatNumber(c.roll), formatNumber(c.liquidationCost), u.driver.rawValue, scenario]
            }))
        out.append("")
        out.append(renderTable(["greeks (USD)", "delta", "gamma", "vega", "theta/yr", "rho"], underlyings.map { u in
            [u.name, String(format: "%.4f", u.greeks.delta), String(format: "%.3e", u.greeks.gamma),
             formatNumber(u.greeks.vega), formatNumber(u.greeks.theta), formatNumber(u.greeks.rho)]
        }))
        out.append("")
        out.append(renderTable(["#", "position", "size", "value", "P&L in worst", "marginal MM", "delta"],
                               positions.map { p in
            [String(p.index), p.position.instrument.description,
             (p.position.instrument.isSizedByNotional ? "$" : "") + formatNumber(p.position.size, digits: 4),
             formatNumber(p.valueUSD), formatNumber(p.scenarioPnL),
             p.marginalMaintenance.map { formatNumber($0) } ?? "", String(format: "%.4f", p.greeks.delta)]
        } + balances.map { b in
            ["", "balance \(b.currency)", formatNumber(b.amount, digits: 4), formatNumber(b.valueUSD),
             formatNumber(b.scenarioPnL), "", ""]
        }))
        for u in underlyings {
            out.append("")
            out.append(heatMap(u, color: color))
        }
        return out.joined(separator: "\n")
    }

    /// Loss heat map: rows are (vol shift, time) pairs, columns the price moves; darker = larger loss.
    private func heatMap(_ u: UnderlyingReport, color: Bool) -> String {
        let s = u.riskArray.scenarios
        let pnl = u.riskArray.pnl
        let worst = max(pnl[0..<s.regularCount].map { -$0 }.max() ?? 0, 1e-9)
        let best = max(pnl[0..<s.regularCount].max() ?? 0, 1e-9)
        let shades: [Character] = [" ", "░", "▒", "▓", "█"]
        var lines = ["\(u.name) risk array (loss: ░▒▓█ up to \(formatNumber(worst)); gain: · ; price moves "
            + String(format: "%+.1f%% … %+.1f%%)", (s.priceMoves.first ?? 0) * 100, (s.priceMoves.last ?? 0) * 100)]
        for j in 0..<s.volCount {
            for l in 0..<s.timeCount {
                var row = String(format: "  v%+4.0f%% t%-3g ", s.volShifts[j] * 100, s.timeShifts[l] * 365)
                for i in 0..<s.priceMoves.count {
                    let v = pnl[(i * s.volCount + j) * s.timeCount + l]
                    let cell: String
                    if v >= 0 {
                        cell = v > 0.05 * best ? "·" : " "
                    } else {
                        let level = min(4, max(1, Int((-v / worst * 4).rounded(.up))))
                        let ch = String(shades[level])
                        cell = color ? "\u{1B}[31m\(ch)\u{1B}[0m" : ch
                    }
                    row += cell + cell
                }
                lines.append(row)
            }
        }
        var axis = ""
        for (i, m) in s.priceMoves.enumerated() where i % 5 == 0 {
            let label = String(format: "%+.1f%%", m * 100)
            axis += label + String(repeating: " ", count: max(1, 10 - label.count))
        }
        lines.append("               " + axis)
        return lines.joined(separator: "\n")
    }
}

extension MarginReport {
    /// The report's JSON (``json``) with `"preset": "reference"` and `"marginCurrency": "USD"` after
    /// `"parameters"`: what `margin compute --format json` prints for the reference preset.
    public var presetJSON: JSONValue {
        json.inserting([("preset", .string("reference")), ("marginCurrency", .string("USD"))], after: "parameters")
    }
}

extension JSONValue {
    /// An object with `fields` inserted after the key `after` (at the end when absent); other values unchanged.
    func inserting(_ fields: [(key: String, value: JSONValue)], after: String) -> JSONValue {
        guard case .object(var pairs) = self else { return self }
        let at = pairs.firstIndex { $0.key == after }.map { $0 + 1 } ?? pairs.count
        pairs.insert(contentsOf: fields, at: at)
        return .object(pairs)
    }
}
