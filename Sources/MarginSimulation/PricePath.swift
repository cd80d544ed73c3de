import Foundation
import MarginCore

/// A price path for a crash replay: per step, the time since the start and, per underlying, the index as a factor
/// of its level at the start and the ATM implied vol as a factor of its level at the start.
///
/// Relative factors make a path independent of the population's starting market: the replay multiplies its own
/// indices and surfaces by them. The first step is the start (time 0, every factor 1).
public struct PricePath: Hashable, Sendable {
    /// One point of the path.
    public struct Step: Hashable, Sendable {
        /// Seconds since the start of the path.
        public var seconds: Int64
        /// Index factor per underlying (1 = the starting index).
        public var index: [String: Double]
        /// ATM vol factor per underlying (1 = the starting surface).
        public var vol: [String: Double]

        public init(seconds: Int64, index: [String: Double], vol: [String: Double]) {
            self.seconds = seconds
            self.index = index
            self.vol = vol
        }
    }

    /// The scenario's name (`march-2020`, a file name, …).
    public var name: String
    /// What the path represents, in a sentence.
    public var summary: String
    public var steps: [Step]

    public init(name: String, summary: String, steps: [Step]) {
        self.name = name
        self.summary = summary
        self.steps = steps
    }

    /// The underlyings the path moves.
    public var underlyings: [String] { steps.first.map { $0.index.keys.sorted() } ?? [] }

    /// Reads a path from CSV: `time,BTC,ETH,…` with ISO-8601 times and positive index levels, plus optional ATM
    /// vol columns named `<underlying>.vol` (absolute vols, e.g. `BTC.vol`). Factors are relative to the first row;
    /// an underlying without a vol column keeps its surface level. The same strict CSV reader as the index history
    /// (``IndexHistory``): errors name the line and column.
    ///
    /// - Throws: ``InputError`` (`line L, column C: …`), or when a row lacks a value, or a vol column names an
    ///   underlying with no index column.
    public init(csv text: String, name: String) throws(InputError) {
        let table = try IndexHistory(csv: text)
        guard let first = table.rows.first else { throw .invalid(path: "line 2", reason: "the path has no rows") }
        var indexColumns: [(String, Int)] = []
        var volColumns: [(String, Int)] = []
        for (c, column) in table.names.enumerated() {
            if column.hasSuffix(".vol") { volColumns.append((String(column.dropLast(4)), c)) } else {
                indexColumns.append((column, c))
            }
        }
        for (u, c) in volColumns where !indexColumns.contains(where: { $0.0 == u }) {
            throw .invalid(path: "line 1, column \(c + 2)", reason: "\(u).vol has no \(u) index column")
        }
        var steps: [Step] = []
        for (r, row) in table.rows.enumerated() {
            var index: [String: Double] = [:]
            var vol: [String: Double] = [:]
            for (u, c) in indexColumns {
                guard let x = row.indices[c], let x0 = first.indices[c] else {
                    throw .invalid(path: "line \(r + 2), column \(c + 2)", reason: "\(u) has no value")
                }
                index[u] = x / x0
            }
            for (u, c) in volColumns {
                guard let v = row.indices[c], let v0 = first.indices[c] else {
                    throw .invalid(path: "line \(r + 2), column \(c + 2)", reason: "\(u).vol has no value")
                }
                vol[u] = v / v0
            }
            for (u, _) in indexColumns where vol[u] == nil { vol[u] = 1 }
            steps.append(Step(seconds: (row.time.nanosecondsSinceEpoch - first.time.nanosecondsSinceEpoch) / 1_000_000_000,
                              index: index, vol: vol))
        }
        self.init(name: name, summary: "price path read from \(name) (\(steps.count) rows)", steps: steps)
    }
}
