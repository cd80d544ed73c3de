extension PriceHistory {
    /// The header of a Yahoo Finance daily download.
    public static let yahooHeader = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]

    /// Parses CSV text in either layout of ``PriceHistory``.
    ///
    /// - Parameters:
    ///   - underlying: the underlying a Yahoo-style file is for (its `Close` column); must be `nil` for the columns
    ///     layout, whose header names the underlyings.
    ///   - carryForward: a price or vol field `null` (Yahoo's marker of a day without data) takes the previous row's
    ///     value instead of being an error; the rows are listed in ``carriedForwardLines``. Off by default.
    /// - Throws: ``InputError/invalid(path:reason:)`` at `line L, column C`: a malformed header, a `.vol` column of an
    ///   underlying without a price column, a wrong number of fields, a date that is not ISO-8601, a duplicate, an
    ///   unsorted date or (bare dates) a missing calendar day, a price that is not positive, a vol outside (0, 100),
    ///   fewer than two rows; at `--underlying` for a Yahoo file without it (or a columns file with it).
    public init(csv text: String, underlying: String? = nil, carryForward: Bool = false) throws(InputError) {
        var layout: PriceHistoryLayout?
        var rows: PriceHistoryRows?
        for (line, fields) in CSVRecords.records(text) {
            let at = { (column: Int) in "line \(line), column \(column)" }
            guard let current = layout else {
                let parsed = try PriceHistoryLayout(header: fields, underlying: underlying, line: line)
                layout = parsed
                rows = PriceHistoryRows(names: parsed.names, isDateOnly: true)
                continue
            }
            guard fields.count == current.fieldCount else {
                throw InputError.invalid(path: "line \(line)",
                                         reason: "has \(fields.count) fields, the header has \(current.fieldCount)")
            }
            let dateText = fields[0]
            guard let date = Instant(iso8601: dateText) else {
                throw InputError.invalid(path: at(1),
                                         reason: "\"\(dateText)\" is not an ISO date like 2020-03-12 or 2020-03-12T00:00:00Z")
            }
            var closes: [Double] = []
            let previous = rows?.dates.isEmpty == false ? rows : nil
            var carried = false
            for (u, column) in current.priceColumns.enumerated() {
                if carryForward, fields[column] == "null", let last = previous?.closes[u].last {
                    closes.append(last)
                    carried = true
                    continue
                }
                guard let v = Double(fields[column]) else {
                    throw InputError.invalid(path: at(column + 1),
                                             reason: "\(current.names[u]): \"\(fields[column])\" is not a number")
                }
                closes.append(v)
            }
            var vols: [(underlying: Int, column: Int, value: Double)] = []
            for (u, column) in current.volColumns {
                if carryForward, fields[column] == "null", let last = previous?.vols[u].last {
                    vols.append((u, column + 1, last))
                    carried = true
                    continue
                }
                guard let v = Double(fields[column]) else {
                    throw InputError.invalid(path: at(column + 1),
                                             reason: "\(current.names[u]).vol: \"\(fields[column])\" is not a number")
                }
                vols.append((u, column + 1, v))
            }
            try rows?.append(date: date, dateOnly: dateText.utf8.count == 10, closes: closes, vols: vols, line: line,
                             at: at)
            if carried { rows?.carriedForwardLines.append(line) }
        }
        guard let rows else {
            throw InputError.invalid(path: "line 1", reason: "no header: expected date,NAME,… or a Yahoo-style header")
        }
        guard rows.dates.count >= 2 else {
            throw InputError.invalid(path: "line \(rows.lines.last ?? 1)",
                                     reason: "has \(rows.dates.count) rows; at least 2 are needed")
        }
        self.init(rows)
    }
}

/// Which columns of a history file hold what, read from its header.
struct PriceHistoryLayout {
    var names: [String] = []
    /// 0-based field index of each underlying's close.
    var priceColumns: [Int] = []
    /// 0-based field index of each `.vol` column, with its underlying's slot.
    var volColumns: [(underlying: Int, column: Int)] = []
    var fieldCount = 0

    init(header fields: [String], underlying: String?, line: Int) throws(InputError) {
        fieldCount = fields.count
        let at = { (column: Int) in "line \(line), column \(column)" }
        if fields == PriceHistory.yahooHeader {
            guard let underlying, !underlying.isEmpty else {
                throw InputError.invalid(path: "--underlying",
                                         reason: "a Yahoo-style history (Date,Open,High,Low,Close,…) needs the underlying it is for")
            }
            names = [underlying]
            priceColumns = [4]
            return
        }
        guard fields[0] == "date" else {
            throw InputError.invalid(
                path: at(1),
                reason: "the header must be date,NAME[,NAME…][,NAME.vol…] or Date,Open,High,Low,Close,Adj Close,Volume; found \"\(fields[0])\"")
        }
        if let underlying {
            throw InputError.invalid(path: "--underlying",
                                     reason: "\"\(underlying)\" is for Yahoo-style files; this header names its underlyings")
        }
        var vols: [(name: String, column: Int)] = []
        for (c, name) in fields.enumerated().dropFirst() {
            guard !name.isEmpty else { throw InputError.invalid(path: at(c + 1), reason: "empty column name") }
            if name.hasSuffix(".vol") {
                vols.append((String(name.dropLast(4)), c))
                continue
            }
            guard !names.contains(name), name != "date" else {
                throw InputError.invalid(path: at(c + 1), reason: "\"\(name)\" appears twice in the header")
            }
            names.append(name)
            priceColumns.append(c)
        }
        guard !names.isEmpty else { throw InputError.invalid(path: at(2), reason: "the header names no underlying") }
        for (name, c) in vols {
            guard let u = names.firstIndex(of: name) else {
                throw InputError.invalid(path: at(c + 1), reason: "\"\(name).vol\" has no price column \"\(name)\"")
            }
            guard !volColumns.contains(where: { $0.underlying == u }) else {
                throw InputError.invalid(path: at(c + 1), reason: "\"\(name).vol\" appears twice in the header")
            }
            volColumns.append((u, c))
        }
    }
}
