import Foundation
import MarginCore

extension RiskBook {
    /// The correlation table `correlated` mode combines with (``EngineState/correlations``; set by ``EngineCore``
    /// when the engine opens and on every `correlations` event; kept across ``rebuild(from:)``).
    ///
    /// Kept beside the book (``BookCorrelations``) rather than in a stored property, so that `RiskBook.swift` is
    /// unchanged; a stored `var correlations = CorrelationTable()` there would replace this accessor one for one.
    var correlations: CorrelationTable {
        get { BookCorrelations.shared.table(of: self) }
        set { BookCorrelations.shared.set(newValue, of: self) }
    }

    /// Recombines every account from its cached per-underlying components and notes health changes (after the
    /// correlation table changed: the instrument arrays and components do not depend on it, only the combination
    /// does). Gives the margins ``rebuild(from:)`` would, without repricing anything.
    func recombineAll() {
        for a in 0..<accountCount {
            let m = combine(a)
            margins[a] = m
            noteHealth(Int32(a), m)
        }
        for u in 0..<underlyingCount { rankPriority(u) }
    }
}

/// The correlation table of each live ``RiskBook``, by identity. An entry whose book has been freed is ignored
/// (the weak reference is `nil`, so a new book at a reused address starts with the empty table) and pruned on the
/// next write. Locked, as engines on different threads may read their own books at the same time.
final class BookCorrelations: @unchecked Sendable {
    static let shared = BookCorrelations()

    private struct Entry {
        weak var book: RiskBook?
        var table: CorrelationTable
    }

    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    func table(of book: RiskBook) -> CorrelationTable {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[ObjectIdentifier(book)], entry.book === book else { return CorrelationTable() }
        return entry.table
    }

    func set(_ table: CorrelationTable, of book: RiskBook) {
        lock.lock()
        defer { lock.unlock() }
        entries = entries.filter { $0.value.book != nil }
        entries[ObjectIdentifier(book)] = Entry(book: book, table: table)
    }
}
