import Foundation
import MarginCore
import MarginEngine
import MarginLedger

extension CrashReplay.Result {
    /// `{"scenario", "accounts", "marginCalls", "partialLiquidations", "accountsPartiallyLiquidated", "takeovers",
    /// "adlEvents", "insuranceFund": {"start", "end", "min"}, "socializedLoss", "legacy": [{"model",
    /// "accountsLiquidated", "losses"}], "invariants": {"ok", "violations"}, "alerts", "sequence", "marginDigest",
    /// "wallSeconds", "liquidationActionsPerSecond"}`; amounts USD.
    public var json: JSONValue {
        .object([
            ("scenario", .string(scenario)),
            ("summary", .string(summary)),
            ("accounts", .double(Double(accounts))),
            ("marginCalls", .double(Double(marginCalls))),
            ("partialLiquidations", .double(Double(partialLiquidations))),
            ("accountsPartiallyLiquidated", .double(Double(accountsPartiallyLiquidated))),
            ("takeovers", .double(Double(takeovers))),
            ("adlEvents", .double(Double(adlEvents))),
            ("insuranceFund", .object([("start", .double(insuranceFundStart)), ("end", .double(insuranceFundEnd)),
                                       ("min", .double(insuranceFundMin))])),
            ("socializedLoss", .double(socializedLoss)),
            ("legacy", .array(legacy.map { o in
                .object([("model", .string(o.model)), ("accountsLiquidated", .double(Double(o.accountsLiquidated))),
                         ("losses", .double(o.losses))])
            })),
            ("invariants", .object([("ok", .bool(invariantViolations.isEmpty)),
                                    ("violations", .array(invariantViolations.map(JSONValue.string)))])),
            ("alerts", .array(alerts.map(JSONValue.string))),
            ("sequence", .double(Double(sequence))),
            ("marginDigest", .string(marginDigest)),
            ("wallSeconds", .double(wallSeconds)),
            ("liquidationActionsPerSecond", .double(wallSeconds > 0 ? Double(liquidationActions) / wallSeconds : 0)),
        ])
    }

    /// The summary as a table.
    public var table: String {
        var out = ["Crash replay \(scenario): \(summary); \(accounts) traders", ""]
        out.append(renderTable(["measure", "value"], [
            ["margin calls", "\(marginCalls)"],
            ["partial liquidation steps", "\(partialLiquidations) (\(accountsPartiallyLiquidated) accounts)"],
            ["takeovers", "\(takeovers)"],
            ["ADL fills", "\(adlEvents)"],
            ["insurance fund start / end / min (USD)",
             "\(formatNumber(insuranceFundStart)) / \(formatNumber(insuranceFundEnd)) / \(formatNumber(insuranceFundMin))"],
            ["socialized loss (USD)", formatNumber(socializedLoss)],
            ["ledger invariants", invariantViolations.isEmpty ? "hold" : "\(invariantViolations.count) VIOLATED"],
            ["journal", "sequence \(sequence), margin digest \(marginDigest)"],
            ["replay wall time", String(format: "%.2f s (%.0f liquidation actions/s)", wallSeconds,
                                        wallSeconds > 0 ? Double(liquidationActions) / wallSeconds : 0)],
        ]))
        out.append("")
        out.append("The same traders under each model (closed whole at the first point below the model's MM):")
        out.append(renderTable(["model", "accounts liquidated", "losses beyond collateral (USD)"],
                               legacy.map { [$0.model, "\($0.accountsLiquidated)", formatNumber($0.losses)] }))
        for a in alerts.prefix(10) { out.append("alert: \(a)") }
        for v in invariantViolations.prefix(10) { out.append("VIOLATION: \(v)") }
        return out.joined(separator: "\n")
    }
}
