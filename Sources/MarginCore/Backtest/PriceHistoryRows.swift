/// The rows of a ``PriceHistory`` as they are read, with the checks every row passes: dates increasing without
/// duplicates (and, for bare dates, without a missing calendar day), closes positive and finite, vols in (0, 100).
struct PriceHistoryRows {
    let names: [String]
    /// Per underlying: whether it has a `.vol` column.
    var hasVols: [Bool]
    var isDateOnly: Bool
    var dates: [Instant] = []
    var closes: [[Double]]
    var vols: [[Double]]
    var lines: [Int] = []
    /// Lines whose `null` fields took the previous row's values.
    var carriedForwardLines: [Int] = []

    init(names: [String], isDateOnly: Bool) {
        self.names = names
        hasVols = names.map { _ in false }
        self.isDateOnly = isDateOnly
        closes = names.map { _ in [] }
        vols = names.map { _ in [] }
    }

    /// Checks and appends one row. `at(column)` names the place of an error (`column` 1-based).
    /// `rowVols` are the row's implied vols: the underlying's slot, the 1-based column and the value.
    mutating func append(date: Instant, dateOnly: Bool, closes rowCloses: [Double],
                         vols rowVols: [(underlying: Int, column: Int, value: Double)],
                         line: Int, at: (Int) -> String) throws(InputError) {
        if dates.isEmpty { isDateOnly = dateOnly }
        guard dateOnly == isDateOnly else {
            throw InputError.invalid(path: at(1), reason: "mixes bare dates and date-times; use one form throughout")
        }
        if let previous = dates.last {
            let label = { (t: Instant) in dateOnly ? String(t.iso8601.prefix(10)) : t.iso8601 }
            if date == previous {
                throw InputError.invalid(path: at(1), reason: "duplicate date \(label(date))")
            }
            if date < previous {
                throw InputError.invalid(path: at(1),
                                         reason: "\(label(date)) is before the previous row's \(label(previous)): dates must increase")
            }
            let days = (date.nanosecondsSinceEpoch - previous.nanosecondsSinceEpoch) / 86_400_000_000_000
            if isDateOnly, days > 1 {
                throw InputError.invalid(
                    path: at(1),
                    reason: "gap: \(days - 1) missing day\(days == 2 ? "" : "s") between \(label(previous)) and \(label(date))")
            }
        }
        for (u, close) in rowCloses.enumerated() {
            guard close.isFinite, close > 0 else {
                throw InputError.invalid(path: at(u + 2), reason: "\(names[u]): \(close) is not a positive finite price")
            }
            closes[u].append(close)
        }
        for v in rowVols {
            guard VolQuote.volDomain.contains(v.value) else {
                throw InputError.invalid(path: at(v.column),
                                         reason: "\(names[v.underlying]).vol: \(v.value) is not a vol in (0, 100)")
            }
            vols[v.underlying].append(v.value)
            hasVols[v.underlying] = true
        }
        dates.append(date)
        lines.append(line)
    }
}
