import Foundation
import Logging
import MarginEngine
@testable import MarginServer
import Testing

/// Finding 10 of issue 19: 25 s of disk-full and a PostgreSQL outage left no log line. The server logs a storage
/// fault at error with the store's reason, and the recovery at notice with its duration and retries.
@Suite("Storage faults and recoveries are logged")
struct StorageFaultLogTests {
    @Test("ready → faulted (error, reason) → retries (nothing more) → ready (notice) → stopped on a fault (error)")
    func transitions() throws {
        let captured = CapturedLog()
        let logger = captured.logger()
        var log = StorageFaultLog()
        let since = Date(timeIntervalSince1970: 1_000)
        let full = StorageFault(reason: "sqlite append: database or disk is full", since: since, attempts: 0)
        log.observe(.recovering, logger: logger)
        log.observe(.ready, logger: logger)
        #expect(captured.lines.isEmpty)
        log.observe(.faulted(full), logger: logger)
        var retried = full
        retried.attempts = 7
        log.observe(.faulted(retried), logger: logger)
        log.observe(.ready, logger: logger, now: since.addingTimeInterval(25))
        log.observe(.stopped(StorageFault(reason: "another writer")), logger: logger)
        log.observe(.stopped(nil), logger: logger)
        let got = captured.lines
        #expect(got.count == 3, "\(got)")
        #expect(got[0].contains("level=error") && got[0].contains(#"reason="sqlite append: database or disk is full""#))
        #expect(got[1].contains("level=notice") && got[1].contains("seconds=25.0") && got[1].contains("attempts=7"),
                "\(got[1])")
        #expect(got[2].contains("level=error") && got[2].contains(#"reason="another writer""#))
    }
}
