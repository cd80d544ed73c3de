import Foundation
import MarginCore

extension LiquidationPrices {
    /// `{"account", "equity", "maintenanceMargin", "belowMaintenanceMargin", "underlyings": {"BTC": {"index",
    /// "below", "above"}}}`, USD per coin; a side with no level in the search range is `null`.
    public var json: JSONValue {
        .object([
            ("account", .string(account)),
            ("equity", .double(equity)),
            ("maintenanceMargin", .double(maintenanceMargin)),
            ("belowMaintenanceMargin", .bool(belowMaintenanceMargin)),
            ("underlyings", .object(levels.map { l in
                (l.underlying, .object([
                    ("index", .double(l.index)),
                    ("below", l.below.map(JSONValue.double) ?? .null),
                    ("above", l.above.map(JSONValue.double) ?? .null),
                ]))
            })),
        ])
    }

    /// The levels as a table, with the distance from today's index.
    public var table: String {
        func cell(_ level: Double?, _ index: Double) -> [String] {
            guard let level else { return ["none in range", ""] }
            return [formatNumber(level), String(format: "%+.2f%%", 100 * (level / index - 1))]
        }
        var out = ["Account \(account)   equity \(formatNumber(equity)) USD   MM \(formatNumber(maintenanceMargin)) USD "
            + "(reference model, sum mode)"]
        if belowMaintenanceMargin {
            out.append("The account is already below maintenance margin: the levels are where it would be back at MM.")
        }
        out.append("")
        out.append(renderTable(["underlying", "index", "liquidated below", "move", "liquidated above", "move"],
                               levels.map { l in [l.underlying, formatNumber(l.index)] + cell(l.below, l.index)
                                   + cell(l.above, l.index) }))
        out.append("")
        out.append("Each level moves one underlying's index, perpetual and forwards together (sticky-strike vols), "
            + "everything else unchanged; searched from 1% to 10× of today's index.")
        return out.joined(separator: "\n")
    }
}
