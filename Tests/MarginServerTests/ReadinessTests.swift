import Foundation
import HTTPTypes
import HummingbirdTesting
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import MarginTestSupport
import Testing

/// `/readyz`: 200 once recovered; 503 with the reason while the journal cannot append (a faulted engine), and
/// while the engine is not attached yet (recovering); writes answer 503 with `Retry-After` meanwhile.
@Suite struct ReadinessTests {
    @Test func readinessFollowsTheEnginesStatus() async throws {
        let journal = FaultyJournal()
        let f = try await ServerFixture.open(store: journal)
        let name = await f.account(0)
        try await f.run { c in
            #expect(try await c.call(.get, "/readyz", key: nil).status == .ok)
            journal.failAppends(message: "disk full")
            // A write's append fails: the engine retries it (its submitter waits) and is faulted meanwhile. (Submitted
            // on the engine: the test client's one connection must stay free for the probes.)
            let body = #"{"account":"\#(name)","currency":"USD","amount":"1"}"#
            let engine = f.engine
            let pending = Task { try await engine.submit(.deposit(Transfer(account: name, currency: "USD", amount: 1))) }
            var faulted: Reply?
            for _ in 0..<400 where faulted == nil {
                try await Task.sleep(for: .milliseconds(10))
                let r = try await c.call(.get, "/readyz", key: nil)
                if r.status == .serviceUnavailable { faulted = r }
            }
            let fault = try #require(faulted, "readyz never reported the fault")
            #expect(fault.json?["status"] as? String == "faulted")
            #expect((fault.json?["reason"] as? String)?.contains("disk full") == true)
            #expect(fault.headers[.retryAfter] != nil)
            // Any other write meanwhile is refused at once: 503 with Retry-After, nothing applied.
            let write = try await c.call(.post, "/v1/deposits", body: body)
            #expect(write.status == .serviceUnavailable, "\(write.text)")
            #expect(write.headers[.retryAfter] != nil)
            #expect(try await c.call(.get, "/healthz", key: nil).status == .ok, "alive while not ready")
            journal.heal()
            let first = try await pending.value
            #expect(first.sequence > 0, "the retried append is acknowledged once the journal heals")
            var ready = false
            for _ in 0..<200 where !ready {
                try await Task.sleep(for: .milliseconds(25))
                ready = try await c.call(.get, "/readyz", key: nil).status == .ok
            }
            #expect(ready)
        }
    }

    @Test func aServerWithoutItsEngineYetSaysRecovering() async throws {
        let server = MarginServer(adminKey: ServerFixture.adminKey, configuration: ServerFixture.testConfiguration())
        let app = server.makeApplication()
        try await app.test(.live) { client in
            let c = TestClient(client: client)
            let r = try await c.call(.get, "/readyz", key: nil)
            #expect(r.status == .serviceUnavailable)
            #expect(r.json?["status"] as? String == "recovering")
            #expect(try await c.call(.get, "/v1/parameters").status == .serviceUnavailable)
        }
    }
}
