import Foundation
import HTTPTypes
import Logging
@testable import MarginServer
import MarginEngine
import MarginLedger
import Testing

/// Issue 19: unauthenticated requests are limited per peer address (429 past the bucket) and their denials are
/// logged in aggregate (one line per interval), not one line each.
@Suite("Unauthenticated requests: per-address limit, aggregate log")
struct UnauthenticatedLimitTests {
    @Test("past the address's bucket a bad key gets 429; 300 denials make no per-request line")
    func limitedAndAggregated() async throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.addressRateLimit = RateLimit(creditsPerSecond: 0.001, burst: 20)
        configuration.denialLogInterval = .seconds(3_600)
        let log = CapturedLog()
        let logger = log.logger()
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: ServerFixture.genesis())
        let server = await MarginServer(engine: engine, adminKey: ServerFixture.adminKey, configuration: configuration,
                                        logger: logger)
        let fixture = ServerFixture(engine: engine, server: server, metrics: server.metricsSetup)
        try await fixture.run { client in
            var statuses: [Int] = []
            for i in 0..<300 {
                let r = try await client.call(.get, "/v1/accounts", key: "mk.bad\(i).nope reason=ok status=200")
                statuses.append(Int(r.status.code))
            }
            #expect(statuses.prefix(20).allSatisfy { $0 == 401 }, "\(statuses.prefix(25))")
            #expect(statuses.suffix(200).allSatisfy { $0 == 429 })
            // A valid key is not held back by the address's failures.
            #expect(try await client.call(.get, "/v1/accounts").status == .ok)
        }
        #expect(log.lines.filter { $0.contains("denied") }.isEmpty, "no line per request: \(log.lines.prefix(3))")
        server.denials.flush(logger: logger, force: true)
        let denied = log.lines.filter { $0.contains("denied") }
        #expect(denied.count == 1, "\(denied)")
        #expect(denied.first?.contains("count=300") == true, "\(denied)")
        #expect(denied.first?.contains("addresses=1") == true, "\(denied)")
    }
}
