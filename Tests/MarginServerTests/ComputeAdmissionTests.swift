import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
@testable import MarginServer
import Synchronization
import Testing

/// Issue 19, finding 5: a computation's cost grows with its work, a what-if is capped in legs, one key runs a
/// bounded number of computations at once, and computations run on the compute pool, never on the engine's thread.
@Suite struct ComputeAdmissionTests {
    static func legs(_ n: Int) -> String {
        let leg = #"{"kind":"perpetual","underlying":"BTC","quantity":0.01,"settlement":"linear"}"#
        return #"{"positions":["# + Array(repeating: leg, count: n).joined(separator: ",") + "]}"
    }

    @Test("a what-if beyond the legs cap is refused 422 limit_exceeded naming the limit; at the cap it is computed")
    func legsCap() async throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.compute.maxLegs = 5
        let f = try await ServerFixture.open(configuration: configuration)
        let name = await f.account(0)
        try await f.run { c in
            let over = try await c.call(.post, "/v1/accounts/\(name)/what-if", body: Self.legs(6))
            #expect(over.status == .unprocessableContent, "\(over.text)")
            #expect(over.json?["error"] as? String == "limit_exceeded")
            #expect((over.json?["message"] as? String)?.contains("at most 5") == true, "\(over.text)")
            let at = try await c.call(.post, "/v1/accounts/\(name)/what-if", body: Self.legs(5))
            #expect(at.status == .ok, "\(at.text)")
        }
    }

    @Test("a computation costs credits in proportion to its work: a bucket that pays for cheap reads refuses it 429")
    func costGrowsWithWork() async throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.rateLimit = RateLimit(creditsPerSecond: 0.001, burst: 60)
        configuration.compute.creditsPerHundredUnits = 100
        let f = try await ServerFixture.open(configuration: configuration)
        let name = await f.account(0)
        try await f.run { c in
            let costly = try await c.call(.post, "/v1/accounts/\(name)/what-if", body: Self.legs(3))
            #expect(costly.status == .tooManyRequests, "\(costly.text)")
            #expect(costly.json?["error"] as? String == "rate_limited")
            #expect(costly.headers[.retryAfter] != nil)
            #expect(try await c.call(.get, "/v1/accounts/\(name)").status == .ok, "cheap reads still pass")
        }
    }

    @Test("one key runs at most perKeyConcurrency computations at once: beyond it 429 too_many_computations; another key and, once released, the same key compute")
    func perKeyConcurrency() async throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.compute.perKeyConcurrency = 1
        let f = try await ServerFixture.open(configuration: configuration)
        let name = await f.account(0)
        try await f.run { c in
            let viewer = try await f.key("viewer", client: c)
            // The admin key's one computation is running (held here, as a long computation would hold it).
            #expect(f.server.computeAdmission.admit("admin"))
            let refused = try await c.call(.post, "/v1/accounts/\(name)/what-if", body: Self.legs(1))
            #expect(refused.status == .tooManyRequests, "\(refused.text)")
            #expect(refused.json?["error"] as? String == "too_many_computations")
            #expect(try await c.call(.post, "/v1/accounts/\(name)/what-if", key: viewer, body: Self.legs(1)).status == .ok)
            f.server.computeAdmission.release("admin")
            #expect(try await c.call(.post, "/v1/accounts/\(name)/what-if", body: Self.legs(1)).status == .ok)
            #expect(f.server.computeAdmission.count("admin") == 0, "every admission released")
        }
    }

    @Test("the admission counts per key and releases")
    func admissionCounts() {
        let admission = ComputeAdmission(limit: 2)
        #expect(admission.admit("a") && admission.admit("a"))
        #expect(!admission.admit("a"))
        #expect(admission.admit("b"))
        admission.release("a")
        #expect(admission.admit("a"))
    }

    @Test("computations run on the compute pool's lowered-priority threads, not the caller's nor the engine's")
    func computationsRunOnThePool() async throws {
        let pool = ComputePool(threads: 1)
        defer { pool.finish() }
        #expect(!pool.isCurrent)
        let onPool = try await pool.run(queueLimit: 4) { pool.isCurrent }
        #expect(onPool == true)
    }
}
