import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// Issue 19, finding 4: answers are kept per API key for their retention (24 h of journal time), never pushed out by
/// other keys' writes; a retry after its answer was forgotten is refused (422 `idempotency_key_expired`), never
/// applied again; a key whose window is full has its new writes refused (429 `idempotency_window_full`).
@Suite struct IdempotencyRetentionTests {
    /// The wall clock as the service stamps requests.
    static func now() -> Instant { Instant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9)) }

    @Test("a retry whose answer was forgotten after the retention is refused 422 idempotency_key_expired; the deposit is not applied twice")
    func aRetryAfterTheRetentionIsRefusedNeverReapplied() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(2)
        try await f.run { c in
            let body = #"{"account":"\#(name)","currency":"USD","amount":"10"}"#
            #expect(try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "idem-R0").status == .ok)
            let balance = await f.engine.state.accounts[name]?.balances["USD"]
            // Another client's answer journaled a day and a second later: the first answer's retention has passed.
            let later = Self.now().adding(seconds: RequestRecord.retention + 1)
            try await f.engine.submit(.frontEnd(FrontEndRecord(kind: "request", id: "other later", scope: "other",
                                                               time: later, expires: later.adding(seconds: 60),
                                                               body: "{}")))
            let journal = try await f.journal()
            let retry = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "idem-R0")
            #expect(retry.status == .unprocessableContent, "\(retry.text)")
            #expect(retry.json?["error"] as? String == "idempotency_key_expired")
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(await f.engine.state.accounts[name]?.balances["USD"] == balance, "never applied twice")
            #expect(try await f.journal() == journal, "nothing journaled")
            // A new key is applied.
            #expect(try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "idem-R1").status == .ok)
        }
    }

    @Test("a key holding 100,000 answers younger than the retention has its new writes refused 429 idempotency_window_full; nothing is evicted or journaled")
    func aFullWindowRefusesNewWrites() async throws {
        var genesis = ServerFixture.genesis()
        let t = Self.now().adding(seconds: -10)
        for i in 0..<FrontEndRecords.capacityPerScope {
            genesis.frontEnd.apply(FrontEndRecord(kind: "request", id: "admin k\(i)", scope: "admin", time: t,
                                                  expires: t.adding(seconds: RequestRecord.retention), body: "{}"))
        }
        let f = try await ServerFixture.open(genesis: genesis)
        let name = await f.account(1)
        try await f.run { c in
            let journal = try await f.journal()
            let refused = try await c.call(.post, "/v1/deposits",
                                           body: #"{"account":"\#(name)","currency":"USD","amount":"10"}"#)
            #expect(refused.status == .tooManyRequests, "\(refused.text)")
            #expect(refused.json?["error"] as? String == "idempotency_window_full")
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await f.journal() == journal)
            #expect(await f.engine.frontEndRecords.count(scope: "admin") == FrontEndRecords.capacityPerScope)
            // The oldest answer is still kept (and replays).
            #expect(await f.engine.frontEndRecords.record(kind: "request", id: "admin k0") != nil)
        }
    }
}
