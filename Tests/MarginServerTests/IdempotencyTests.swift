import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import MarginStorage
import Synchronization
import Testing

/// `Idempotency-Key`: a retry returns the first answer and applies nothing again — also after a restart on the
/// same journal — and a different body under the same key is a 422.
@Suite struct IdempotencyTests {
    @Test func aRetryReturnsTheFirstAnswerAndAppliesNothing() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(3)
        try await f.run { c in
            let body = #"{"account":"\#(name)","currency":"USD","amount":"10"}"#
            let first = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "dep-1")
            #expect(first.status == .ok)
            let journal = try await f.journal()
            let balance = await f.engine.state.accounts[name]?.balances["USD"]
            for _ in 0..<3 {
                let retry = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "dep-1")
                #expect(retry.status == first.status)
                #expect(retry.text == first.text)
                #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            }
            #expect(try await f.journal() == journal)
            #expect(await f.engine.state.accounts[name]?.balances["USD"] == balance)
            let other = try await c.call(.post, "/v1/deposits", body: #"{"account":"\#(name)","currency":"USD","amount":"11"}"#,
                                         idempotencyKey: "dep-1")
            #expect(other.status == .unprocessableContent)
            #expect(other.json?["error"] as? String == "idempotency_key_reused")
            #expect(try await f.journal() == journal)
            // Keys are scoped to the API key: another key may use the same Idempotency-Key.
            let viewer = try await f.key("trader", client: c)
            _ = viewer
            let second = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "dep-2")
            #expect(second.status == .ok)
            #expect(second.text != first.text)
        }
    }

    @Test func aRejectionIsRecordedSoItsRetryGetsTheSame4xx() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(4)
        try await f.run { c in
            let balance = await f.engine.state.accounts[name]?.balances["USD"] ?? 0
            let amount = Money.text(max(balance, 0) + 1_000)
            let body = #"{"account":"\#(name)","currency":"USD","amount":"\#(amount)"}"#
            let refused = try await c.call(.post, "/v1/withdrawals", body: body, idempotencyKey: "w-1")
            #expect(refused.status == .unprocessableContent)
            // Now it could succeed (a large deposit), but the retry still answers the recorded refusal.
            #expect(try await c.call(.post, "/v1/deposits",
                                     body: #"{"account":"\#(name)","currency":"USD","amount":"10000000"}"#).status == .ok)
            let journal = try await f.journal()
            let retry = try await c.call(.post, "/v1/withdrawals", body: body, idempotencyKey: "w-1")
            #expect(retry.status == refused.status)
            #expect(retry.text == refused.text)
            #expect(try await f.journal() == journal)
        }
    }

    @Test func retriesAnswerTheSameAfterARestartOnTheSameJournal() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-idem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let name: String
        let deposit: Reply
        let keyCreation: Reply
        let refusal: Reply
        let body: String
        let withdrawal: String
        do {
            let f = try await ServerFixture.open(store: try SQLiteJournalStore(path: path))
            name = await f.account(5)
            body = #"{"account":"\#(name)","currency":"USD","amount":"42.5"}"#
            withdrawal = #"{"account":"\#(name)","currency":"USD","amount":"1e13"}"#
            let replies = Mutex<[Reply]>([])
            try await f.run { [body, withdrawal] c in
                let a = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "restart-1")
                let b = try await c.call(.post, "/v1/keys", body: #"{"role":"feeder"}"#, idempotencyKey: "key-1")
                let d = try await c.call(.post, "/v1/withdrawals", body: withdrawal, idempotencyKey: "w-9")
                replies.withLock { $0 = [a, b, d] }
            }
            let r = replies.withLock { $0 }
            (deposit, keyCreation, refusal) = (r[0], r[1], r[2])
            #expect(deposit.status == .ok)
            #expect(keyCreation.status == .created)
            #expect(refusal.status == .unprocessableContent)
        }
        // A new engine and server on the same journal (the first closed, releasing the lock).
        let f = try await ServerFixture.open(store: try SQLiteJournalStore(path: path), genesis: EngineState())
        let journal = try await f.journal()
        let balance = await f.engine.state.accounts[name]?.balances["USD"]
        try await f.run(close: false) { [body, withdrawal, deposit, keyCreation, refusal] c in
            let again = try await c.call(.post, "/v1/deposits", body: body, idempotencyKey: "restart-1")
            #expect(again.status == deposit.status)
            #expect(again.text == deposit.text)
            let key = try await c.call(.post, "/v1/keys", body: #"{"role":"feeder"}"#, idempotencyKey: "key-1")
            #expect(key.status == .created)
            #expect(key.text == keyCreation.text, "the same key, unsealed from the journaled record")
            let created = try #require(keyCreation.json?["key"] as? String)
            #expect(try await c.call(.get, "/v1/parameters", key: created).status == .ok, "journaled keys survive a restart")
            let refusedAgain = try await c.call(.post, "/v1/withdrawals", body: withdrawal, idempotencyKey: "w-9")
            #expect(refusedAgain.status == refusal.status)
            #expect(refusedAgain.text == refusal.text)
        }
        #expect(try await f.journal() == journal)
        #expect(await f.engine.state.accounts[name]?.balances["USD"] == balance)
        await f.engine.close()
    }
}
