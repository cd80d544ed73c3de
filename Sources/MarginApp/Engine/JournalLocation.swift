import Foundation
import MarginEngine
import MarginLedger
import MarginStorage

/// Where an engine's journal lives: a SQLite file (the default) or a PostgreSQL database.
public enum JournalLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    /// Tables `<tablePrefix>journal` and `<tablePrefix>snapshot`.
    case postgres(url: String, tablePrefix: String = "margin_")

    /// Opens the journal for the engine: creates it if needed and takes its writer lock (a second engine on the
    /// same journal fails with ``EngineError/journalInUse(_:)``).
    public func openForWriting() async throws(EngineError) -> any JournalStore {
        switch self {
        case .sqlite(let path): return try SQLiteJournalStore(path: path)
        case .postgres(let url, let prefix): return try await PostgresJournalStore(url: url, tablePrefix: prefix)
        }
    }

    /// Creates a new journal for writing at `location` (a crash replay writes one from its genesis), or one in memory
    /// when `location` is `nil`.
    ///
    /// - Throws: ``Exists`` when a SQLite file is already at the path (a PostgreSQL journal that is not empty is
    ///   refused by its writer, e.g. ``CrashReplay/run(_:store:legacy:progress:)``); ``EngineError`` when it cannot
    ///   open.
    public static func createNew(_ location: JournalLocation?) async throws -> any JournalStore {
        guard let location else { return InMemoryJournal() }
        if case .sqlite(let path) = location, FileManager.default.fileExists(atPath: path) {
            throw Exists(location: location)
        }
        return try await location.openForWriting()
    }

    /// A new journal was asked for where one exists.
    public struct Exists: Error, CustomStringConvertible {
        public var location: JournalLocation
        public var description: String { "\(location): exists" }
    }

    /// Opens an existing journal for reading (replay): no writer lock, nothing created; a missing journal is an
    /// error.
    public func openForReading() async throws(EngineError) -> any JournalStore {
        switch self {
        case .sqlite(let path): return try SQLiteJournalStore(path: path, mode: .readOnly)
        case .postgres(let url, let prefix):
            return try await PostgresJournalStore(url: url, tablePrefix: prefix, mode: .readOnly)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url, let prefix):
            // Never print the password.
            var components = URLComponents(string: url)
            if components?.password != nil { components?.password = "***" }
            return "\(components?.string ?? "postgres") (tables \(prefix)*)"
        }
    }
}
