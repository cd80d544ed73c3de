import Foundation
import Logging
import MarginApp
import MarginServer
import MarginStatements
import Testing

/// `margin serve --venue-key FILE`: where the venue key is by default, and a key file others may read stops the
/// service before it opens the journal.
@Suite struct ServeVenueKeyTests {
    @Test("the venue key is beside a SQLite journal by default, margin.venue-key with PostgreSQL, or --venue-key")
    func defaultPath() {
        var options = ServeOptions()
        options.journal = .sqlite(path: "/data/j.sqlite")
        #expect(options.venueKeyPath == "/data/j.sqlite.venue-key")
        options.journal = .postgres(url: "postgres://u:p@h/d")
        #expect(options.venueKeyPath == "margin.venue-key")
        options.venueKeyFile = "/keys/venue"
        #expect(options.venueKeyPath == "/keys/venue")
        #expect(options.venue == VenueStatements.defaultVenue)
    }

    @Test("a venue key file readable by group or others is refused at start, naming it; the journal is not created")
    func exposedKeyIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("venue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("venue-key").path
        try VenueKey.generate().write(to: keyPath)
        chmod(keyPath, 0o644)
        var options = ServeOptions()
        let journal = directory.appendingPathComponent("j.sqlite").path
        options.journal = .sqlite(path: journal)
        options.adminKeyFile = directory.appendingPathComponent("admin.key").path
        options.venueKeyFile = keyPath
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        await #expect {
            try await ServeCommandRun.run(options, logger: logger) { _ in }
        } throws: { error in
            guard let failure = error as? ServeCommandRun.Failure, case .venueKey = failure else { return false }
            return failure.description.contains(keyPath) && failure.description.contains("chmod 600")
        }
        #expect(!FileManager.default.fileExists(atPath: journal))
    }
}
