/// A history of index prices read from CSV, for the realized correlation estimator (`margin correlation --history`).
///
/// Format: a header `time,BTC,ETH,…` (the first field `time`, then distinct non-empty underlying names), then one
/// row per instant: an ISO-8601 UTC time (`2026-01-05T08:00:00Z`, fractions of a second allowed), strictly
/// increasing, and per underlying its index in USD (a positive finite number) or an empty field for "no update at
/// this time" (irregular, asynchronous updates). Fields are separated by commas and trimmed of spaces and tabs; lines
/// end with LF or CRLF; blank lines are skipped; quoting is not supported. Errors name the 1-based line and column
/// (the field's position, `time` being column 1), e.g. `line 7, column 3`, as an ``InputError`` path.
public struct IndexHistory: Hashable, Sendable {
    /// One row: a time and per underlying (in ``names`` order) its index, or `nil` when it did not update.
    public struct Row: Hashable, Sendable {
        /// The row's market time.
        public var time: Instant
        /// Index per underlying, USD per coin; `nil` for no update at this time.
        public var indices: [Double?]
    }

    /// Underlyings, in column order.
    public let names: [String]
    /// Rows in time order.
    public let rows: [Row]

    /// Parses CSV text.
    ///
    /// - Throws: ``InputError/invalid(path:reason:)`` with path `line L, column C` for a missing or malformed header,
    ///   a wrong number of fields, a time that is not ISO-8601 or not after the previous row's, or an index that is
    ///   not a positive finite number.
    public init(csv text: String) throws(InputError) {
        var names: [String] = []
        var rows: [Row] = []
        var sawHeader = false
        for (lineNumber, fields) in CSVRecords.records(text) {
            let at = { (column: Int) in "line \(lineNumber), column \(column)" }
            if !sawHeader {
                sawHeader = true
                guard fields[0] == "time" else {
                    throw InputError.invalid(path: at(1),
                                             reason: "the header must start with \"time\", found \"\(fields[0])\"")
                }
                guard fields.count >= 2 else {
                    throw InputError.invalid(path: at(2), reason: "the header names no underlying")
                }
                for (c, name) in fields.enumerated().dropFirst() {
                    guard !name.isEmpty else {
                        throw InputError.invalid(path: at(c + 1), reason: "empty underlying name")
                    }
                    guard name != "time", !names.contains(name) else {
                        throw InputError.invalid(path: at(c + 1), reason: "\"\(name)\" appears twice in the header")
                    }
                    names.append(name)
                }
                continue
            }
            guard fields.count == names.count + 1 else {
                throw InputError.invalid(path: at(min(fields.count, names.count + 1) + 1),
                                         reason: "has \(fields.count) fields, the header has \(names.count + 1)")
            }
            guard let time = Instant(iso8601: fields[0]) else {
                throw InputError.invalid(
                    path: at(1), reason: "\"\(fields[0])\" is not an ISO-8601 instant like 2026-01-05T08:00:00Z")
            }
            if let previous = rows.last?.time, time <= previous {
                throw InputError.invalid(path: at(1), reason: "\(time) is not after the previous row's \(previous)")
            }
            var indices: [Double?] = []
            indices.reserveCapacity(names.count)
            for (c, field) in fields.enumerated().dropFirst() {
                if field.isEmpty {
                    indices.append(nil)
                    continue
                }
                guard let v = Double(field), v.isFinite, v > 0 else {
                    throw InputError.invalid(path: at(c + 1),
                                             reason: "\(names[c - 1]): \"\(field)\" is not a positive finite price")
                }
                indices.append(v)
            }
            rows.append(Row(time: time, indices: indices))
        }
        guard sawHeader else {
            throw InputError.invalid(path: "line 1, column 1", reason: "no header: expected time,NAME,…")
        }
        self.names = names
        self.rows = rows
    }
}

extension RealizedCorrelationEstimator {
    /// Feeds every row of `history` (its columns matched to ``names`` by name; names it does not list never
    /// update), then lets market time pass the last row so its tick closes.
    ///
    /// - Throws: ``InputError`` at `line 1, column C` for a history column the estimator does not estimate, or as
    ///   ``observe(indices:at:)`` (e.g. rows before the estimator's last update).
    public mutating func observe(_ history: IndexHistory) throws(InputError) {
        var slots: [Int] = []
        for (c, name) in history.names.enumerated() {
            guard let i = names.firstIndex(of: name) else {
                throw InputError.unknownUnderlying(path: "line 1, column \(c + 2)", name: name)
            }
            slots.append(i)
        }
        var indices = [Double?](repeating: nil, count: names.count)
        for row in history.rows {
            for k in indices.indices { indices[k] = nil }
            for (c, v) in row.indices.enumerated() { indices[slots[c]] = v }
            try observe(indices: indices, at: row.time)
        }
        if let last = history.rows.last?.time {
            try advance(to: Instant(nanosecondsSinceEpoch: last.nanosecondsSinceEpoch + 1))
        }
    }
}
