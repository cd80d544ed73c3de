import Foundation
import MarginCore

extension BacktestResult {
    /// The summary table: per model T, x, coverage, Kupiec's LR, p-value and verdict, the zone over the last 250
    /// observations and the windows per zone, mean margin (USD and relative to fixed percentage), the worst shortfall
    /// and its date; then each model's exception dates.
    public var table: String {
        let header = ["model", "T", "x", "coverage", "Kupiec LR", "p-value", "Kupiec", "zone", "windows G/Y/R",
                      "mean MM (USD)", "vs fixed", "worst shortfall (USD)", "on"]
        let rows = models.map { m -> [String] in
            let s = m.statistics
            let counts = TrafficLightZone.allCases.map { z in String(s.windows.filter { $0.zone == z }.count) }
            return [m.name, String(s.observations), String(s.exceptions), formatNumber(100 * s.coverage, digits: 2) + "%",
                    formatNumber(s.kupiec.likelihoodRatio, digits: 3), formatNumber(s.kupiec.pValue, digits: 4),
                    s.kupiec.accepts ? "accept" : "reject", s.zone.rawValue,
                    s.windows.isEmpty ? "-" : counts.joined(separator: "/"), formatNumber(s.meanMargin),
                    s.meanMarginVsFixed.map { formatNumber($0, digits: 3) + "×" } ?? "-",
                    formatNumber(s.worstShortfall.amount), s.worstShortfall.date]
        }
        let vols = zip(underlyings, volSources).map { "\($0): \($1 == "implied" ? "implied (.vol)" : "RiskMetrics proxy")" }
        var text = "Backtest \(dates.first ?? "") to \(dates.last ?? ""): \(dates.count) observations, horizon "
            + "\(horizonDays) day\(horizonDays == 1 ? "" : "s"), coverage \(formatNumber(100 * coverage, digits: 2))%; "
            + "zero rates and basis; vol \(vols.joined(separator: ", "))\n"
        if !carriedForwardDates.isEmpty {
            text += "prices carried forward (null in the file) on " + carriedForwardDates.joined(separator: ", ") + "\n"
        }
        text += renderTable(header, rows)
        for m in models where !m.statistics.exceptionDates.isEmpty {
            text += "\n\(m.name) exceptions: " + m.statistics.exceptionDates.joined(separator: ", ")
        }
        return text
    }
}

extension PriceRangeCalibration {
    /// The ranges tried and the outcome, with the calibrated range's capital against the backtest's other models
    /// (each at its own coverage in `result`).
    public func table(against result: BacktestResult) -> String {
        let rows = trials.map { t in
            [formatNumber(100 * t.priceRange, digits: 1) + "%", String(t.exceptions),
             formatNumber(100 * t.coverage, digits: 2) + "%", t.kupiecAccepts ? "accept" : "reject",
             formatNumber(t.meanMargin)]
        }
        var text = renderTable(["priceRange", "x", "coverage", "Kupiec", "mean MM (USD)"], rows)
        guard let range = priceRange, let found = trials.last else {
            return text + "\nno priceRange up to the parameters' limit reaches \(formatNumber(100 * result.coverage))% "
                + "with Kupiec accepting"
        }
        text += "\ncalibrated priceRange \(formatNumber(100 * range, digits: 1))%: mean MM "
            + "\(formatNumber(found.meanMargin)) USD, coverage \(formatNumber(100 * found.coverage))%"
        let others = result.models.filter { $0.name != "portfolio" }.map { m in
            [m.name, formatNumber(m.statistics.meanMargin), formatNumber(100 * m.statistics.coverage) + "%",
             m.statistics.meanMargin > 0 ? formatNumber(found.meanMargin / m.statistics.meanMargin, digits: 3) + "×" : "-"]
        }
        if !others.isEmpty {
            text += "\n" + renderTable(["model", "mean MM (USD)", "coverage", "calibrated / model"], others)
        }
        return text
    }
}
