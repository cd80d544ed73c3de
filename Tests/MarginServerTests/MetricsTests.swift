import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// `/metrics`: Prometheus text with request latency by route, denials, accounts by health, the journal's sequence
/// and lag, written by swift-metrics into the registry the server was handed (no global bootstrap in tests).
@Suite struct MetricsTests {
    @Test func metricsTextHasTheServiceAndEngineFamilies() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(0)
        try await f.run { c in
            _ = try await c.call(.get, "/v1/accounts/\(name)")
            _ = try await c.call(.get, "/v1/accounts", key: "mk.wrong.key")
            let text = try await c.call(.get, "/metrics", key: nil).text
            #expect(text.contains("margin_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"route="/v1/accounts/{id}""#))
            #expect(text.contains(#"margin_http_denials_total{"#))
            #expect(text.contains(#"reason="unauthenticated""#))
            #expect(text.contains(#"margin_accounts{health="healthy"}"#))
            #expect(text.contains("margin_journal_sequence"))
            #expect(text.contains("margin_journal_lag_events"))
            #expect(text.contains("margin_engine_ready 1"))
        }
    }
}
