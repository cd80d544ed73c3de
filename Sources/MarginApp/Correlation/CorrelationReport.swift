import Foundation
import MarginCore

/// `margin correlation` (and the API's): correlations implied by a market's cross rates, the realized estimate
/// from an index history when one is given, and the table the rule puts in force with each pair's source.
public struct CorrelationReport: Sendable {
    /// Implied correlation per cross rate and cross expiry.
    public var implied: ImpliedCorrelation
    /// The EWMA estimate from the history (`nil` without a history, or before warm-up).
    public var realized: RealizedCorrelation?
    /// The estimator's settings (when a history was given).
    public var estimator: RealizedCorrelationEstimator.Configuration?
    /// Rows of history read (when given).
    public var historyRows: Int
    /// The table in force: implied at the tenor, realized otherwise, the market's configured table as fallback.
    public var inForce: CorrelationTableRule.Decision
    public var rule: CorrelationTableRule

    /// Reads the market (and the history) and computes the report.
    ///
    /// - Parameters:
    ///   - history: a CSV of index history, `time,BTC,ETH,…` (ISO-8601 times), or `nil`.
    ///   - configuration: the realized estimator's half-life, sampling interval and warm-up.
    ///   - rule: the table rule (implied tenor, bounds).
    /// - Throws: ``InputError`` naming `--market` or `--history`, the line and column, or the cross and expiry of an
    ///   inconsistent cross surface.
    public static func load(market: String, history: String?,
                            configuration: RealizedCorrelationEstimator.Configuration = .init(),
                            rule: CorrelationTableRule = .init()) throws(InputError) -> CorrelationReport {
        let snapshot = try InputFile.decode(market, option: "--market") { (n) throws(InputError) in
            try MarketSnapshot(json: n)
        }
        var realized: RealizedCorrelation?
        var rows = 0
        if let history {
            let bytes = try InputFile.bytes(history, option: "--history")
            do {
                let table = try IndexHistory(csv: String(decoding: bytes, as: UTF8.self))
                rows = table.rows.count
                var estimator = try RealizedCorrelationEstimator(names: table.names, configuration: configuration)
                try estimator.observe(table)
                realized = estimator.estimate
            } catch {
                throw error.prefixed("--history \(history)")
            }
        }
        let implied: ImpliedCorrelation
        let decision: CorrelationTableRule.Decision
        do {
            implied = try ImpliedCorrelation(snapshot: snapshot)
            decision = try rule.decide(snapshot: snapshot, realized: realized)
        } catch {
            throw error.prefixed("--market \(market)")
        }
        return CorrelationReport(implied: implied, realized: realized, estimator: history == nil ? nil : configuration,
                                 historyRows: rows, inForce: decision, rule: rule)
    }

    /// `{"pairs": [implied, per cross expiry], "realized": {"halfLifeSeconds", "samples", "asOf", "pairs":
    /// [{"pair", "rho"}]} | null, "inForce": {"impliedTenorDays", "repaired", "pairs": [{"pair", "rho", "source"}]}}`.
    public var json: JSONValue {
        guard case .object(var pairs) = implied.json else { return implied.json }
        if let realized, let estimator {
            pairs.append(("realized", .object([
                ("halfLifeSeconds", .double(estimator.halfLifeSeconds)),
                ("samplingIntervalSeconds", .double(Double(estimator.samplingIntervalSeconds))),
                ("samples", .double(Double(realized.samples))),
                ("asOf", .string(realized.asOf.iso8601)),
                ("pairs", .array(Self.pairNames(realized.names).compactMap { a, b in
                    realized.rho(a, b).map { rho in
                        .object([("pair", .array([.string(a), .string(b)])), ("rho", .double(rho))])
                    }
                })),
            ])))
        } else {
            pairs.append(("realized", .null))
        }
        pairs.append(("inForce", .object([
            ("impliedTenorDays", .double(rule.impliedTenorYears * 365)),
            ("repaired", .bool(inForce.repaired)),
            ("pairs", .array(Self.pairNames(inForce.names).map { a, b in
                .object([("pair", .array([.string(a), .string(b)])), ("rho", .double(inForce.table.rho(a, b))),
                         ("source", .string(inForce.sources["\(a)/\(b)"]?.rawValue ?? "fallback"))])
            })),
        ])))
        return .object(pairs)
    }

    /// The implied table, the realized estimate beside the table in force, one line per pair.
    public var table: String {
        var out = ["Implied correlation (ATM vols at k = 0 of each surface, term-interpolated to the cross expiry):",
                   implied.table()]
        if let estimator {
            if let realized {
                out.append("Realized (EWMA of log-returns, half-life \(formatNumber(estimator.halfLifeSeconds / 3_600, digits: 1)) h, "
                    + "\(realized.samples) samples of \(estimator.samplingIntervalSeconds) s to \(realized.asOf)):")
            } else {
                out.append("Realized: not warmed up (\(historyRows) rows; \(estimator.warmUpSamples) samples needed).")
            }
        }
        let rows = Self.pairNames(inForce.names).map { a, b -> [String] in
            let source = inForce.sources["\(a)/\(b)"]?.rawValue ?? "fallback"
            let real = realized?.rho(a, b).map { String(format: "%.4f", $0) } ?? "-"
            return ["\(a)-\(b)", real, String(format: "%.4f", inForce.table.rho(a, b)), source]
        }
        out.append(renderTable(["pair", "realized", "in force", "source"], rows))
        out.append("In force: implied at \(formatNumber(rule.impliedTenorYears * 365, digits: 0)) days where a cross rate "
            + "is quoted, else realized, else the market's configured ρ" + (inForce.repaired
                ? "; repaired to the nearest positive definite correlation matrix." : "."))
        return out.joined(separator: "\n")
    }

    static func pairNames(_ names: [String]) -> [(String, String)] {
        var out: [(String, String)] = []
        let sorted = names.sorted()
        for i in sorted.indices {
            for j in sorted.indices where j > i { out.append((sorted[i], sorted[j])) }
        }
        return out
    }
}
