/// A daily (or regularly sampled) history of index closes, with optional ATM implied vols, for the margin backtest
/// (`margin backtest --history`).
///
/// Two CSV layouts (``init(csv:underlying:)``):
/// - **columns**: a header `date,<UNDERLYING>[,<UNDERLYING>…][,<UNDERLYING>.vol…]`, then one row per date: an ISO
///   date (`2020-03-12`, midnight UTC) or date-time (`2020-03-12T00:00:00Z`), each underlying's close in USD per coin
///   (a positive finite number) and, for every `.vol` column, the underlying's ATM implied vol as an annualized
///   decimal in (0, 100);
/// - **Yahoo**: `Date,Open,High,Low,Close,Adj Close,Volume`, read as one underlying (named by the caller) whose close
///   is the `Close` column.
///
/// Dates strictly increase; in a file of bare dates consecutive rows are exactly one calendar day apart (a missing
/// day is a gap). Every field must be present: there is no "no update". Errors are ``InputError/invalid(path:reason:)``
/// at `line L` (1-based, the header being line 1) or `line L, column C`. Lines end with LF or CRLF; blank lines are
/// skipped; fields are trimmed of spaces and tabs; quoting is not supported.
public struct PriceHistory: Hashable, Sendable {
    /// Underlyings, in column order.
    public let names: [String]
    /// The rows' instants (midnight UTC for bare dates), strictly increasing.
    public let dates: [Instant]
    /// Closes per underlying (in ``names`` order), then per row: USD per coin, > 0.
    public let closes: [[Double]]
    /// ATM implied vols per underlying (annualized decimals), or `nil` for an underlying without a `.vol` column.
    public let impliedVols: [[Double]?]
    /// `true` when every date is a bare `YYYY-MM-DD` (the history is checked for gaps of calendar days).
    public let isDateOnly: Bool
    /// The 1-based source line of each row, for messages.
    public let lines: [Int]
    /// Lines whose `null` fields took the previous row's values (``init(csv:underlying:carryForward:)``).
    public let carriedForwardLines: [Int]

    /// Builds a history from columns already checked (tests, generated histories). Rows must be one calendar day
    /// apart when `isDateOnly`.
    ///
    /// - Throws: ``InputError`` naming the row (`row R`) for a non-positive close, an unsorted date or a gap.
    public init(names: [String], dates: [Instant], closes: [[Double]], impliedVols: [[Double]?]? = nil,
                isDateOnly: Bool = true) throws(InputError) {
        let vols = impliedVols ?? names.map { _ in nil }
        guard names.count == closes.count, vols.count == names.count,
            closes.allSatisfy({ $0.count == dates.count }), vols.allSatisfy({ ($0?.count ?? dates.count) == dates.count })
        else {
            throw InputError.invalid(path: "row 1", reason: "every underlying needs one close (and vol) per date")
        }
        var rows = PriceHistoryRows(names: names, isDateOnly: isDateOnly)
        for (r, date) in dates.enumerated() {
            let rowVols = vols.enumerated().compactMap { u, v in v.map { (u, names.count + 2 + u, $0[r]) } }
            try rows.append(date: date, dateOnly: isDateOnly, closes: closes.map { $0[r] }, vols: rowVols, line: r + 1,
                            at: { _ in "row \(r + 1)" })
        }
        self.init(rows)
    }

    init(_ rows: PriceHistoryRows) {
        names = rows.names
        dates = rows.dates
        closes = rows.closes
        impliedVols = rows.vols.enumerated().map { u, v in rows.hasVols[u] ? v : nil }
        isDateOnly = rows.isDateOnly
        lines = rows.lines
        carriedForwardLines = rows.carriedForwardLines
    }

    /// The row whose date is exactly `days` calendar days (`days × 86,400 s`) after row `row`, or `nil`.
    public func row(_ days: Int, daysAfter row: Int) -> Int? {
        let target = dates[row].adding(seconds: Int64(days) * 86_400)
        var lo = row
        var hi = dates.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if dates[mid] == target { return mid }
            if dates[mid] < target { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// A date as printed in reports: `YYYY-MM-DD` for a history of bare dates, else the ISO-8601 instant.
    public func label(_ row: Int) -> String {
        isDateOnly ? String(dates[row].iso8601.prefix(10)) : dates[row].iso8601
    }
}
