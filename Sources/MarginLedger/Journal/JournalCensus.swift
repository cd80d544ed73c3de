import MarginCore

/// How many events of each kind a journal holds (`margin engine replay` prints it: what an operator sees a journal
/// holds, e.g. whether market updates kept flowing during a liquidation cascade).
///
/// Counts every record of the journal, from sequence 1, by its event's `type` (``EngineEvent/kind``), read in pages
/// of ``pageSize`` records (bounded memory whatever the journal's length). A record whose payload is not a JSON
/// object with a string `type` is an error naming its sequence, never skipped.
public struct JournalCensus: Sendable, Equatable {
    /// Records per kind (``EngineEvent/kind``: `market`, `trade`, `liquidation`, …).
    public var counts: [String: Int] = [:]

    /// Records read per page.
    public static let pageSize = 10_000

    public init(counts: [String: Int] = [:]) { self.counts = counts }

    /// Every record counted.
    public var total: Int { counts.values.reduce(0, +) }

    /// Counts the records of `store`, from the first.
    ///
    /// - Throws: a storage error, or ``EngineError/corruptRecord(sequence:reason:)`` for a record without a kind.
    public static func count(_ store: any JournalStore) async throws(EngineError) -> JournalCensus {
        var census = JournalCensus()
        var cursor: UInt64 = 0
        while true {
            let page = try await store.records(after: cursor, limit: pageSize)
            for record in page { try census.add(record) }
            guard let last = page.last, page.count == pageSize else { return census }
            cursor = last.sequence
        }
    }

    /// Counts one record by its payload's top-level `type`.
    public mutating func add(_ record: JournalRecord) throws(EngineError) {
        let kind: String
        do {
            kind = try JSONNode.parse(record.payload).required("type").string()
        } catch {
            throw EngineError.corruptRecord(sequence: record.sequence, reason: "no event type: \(error)")
        }
        counts[kind, default: 0] += 1
    }

    /// `events: market 4, trade 120, liquidation 7`: the most frequent kind first (ties by name), one line.
    public var line: String {
        let kinds = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        guard !kinds.isEmpty else { return "events: none" }
        return "events: " + kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
