import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// An idempotent submit (``RiskEngine/submit(_:answering:)``): the answer is journaled in the same append as the
/// event, a kept answer replays without applying anything, a front end's refusal journals only its record; market
/// requests enter through the conflated feed's own turn.
@Suite struct FrontEndAnswerTests {
    typealias F = EngineFixtures

    static let t0 = Instant(secondsSinceEpoch: 1_800_000_000)

    /// An answer whose records carry `body` and the acknowledged sequence (or the refusal) in their bodies.
    static func answer(_ id: String, check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)? = nil)
        -> FrontEndAnswer
    {
        FrontEndAnswer(kind: "request", id: id, check: check,
                       accepted: { FrontEndRecord(kind: "request", id: id, time: t0, body: "accepted \($0)") },
                       rejected: { FrontEndRecord(kind: "request", id: id, time: t0, body: "refused \($0)") })
    }

    @Test("an accepted event and its answer are one append, adjacent in the journal; a retry replays the answer and applies nothing")
    func acceptedThenReplayed() async throws {
        let journal = InMemoryJournal()
        let engine = try await F.emptyEngine(store: journal)
        let before = journal.count
        let deposit = EngineEvent.deposit(Transfer(account: "alice", currency: "USD", amount: 10))
        guard case .accepted(let ack, let record) = try await engine.submit(deposit, answering: Self.answer("d1")) else {
            Issue.record("not accepted")
            return
        }
        #expect(record.body == "accepted \(ack.sequence)")
        let records = try journal.records(after: UInt64(before), limit: 10)
        #expect(records.count == 2)
        #expect(try EngineEvent(payload: records[0].payload) == deposit)
        #expect(try EngineEvent(payload: records[1].payload) == .frontEnd(record))
        guard case .replayed(let kept) = try await engine.submit(deposit, answering: Self.answer("d1")) else {
            Issue.record("not replayed")
            return
        }
        #expect(kept == record)
        #expect(journal.count == before + 2, "the retry journaled nothing")
        #expect(await engine.state.accounts["alice"]?.balances["USD"] == 10)
    }

    @Test("the front end's check and the engine's validation refuse alike: only the refusal's record is journaled")
    func refusals() async throws {
        let journal = InMemoryJournal()
        let engine = try await F.emptyEngine(store: journal)
        let before = journal.count
        let refuse: @Sendable (FrontEndRecords) throws(EngineError) -> Void = { _ throws(EngineError) in
            throw EngineError.invalid(field: "id", reason: "taken")
        }
        let deposit = EngineEvent.deposit(Transfer(account: "bob", currency: "USD", amount: 5))
        guard case .rejected(let e1, let r1) = try await engine.submit(deposit, answering: Self.answer("c1", check: refuse))
        else { Issue.record("not refused by the check"); return }
        #expect(e1 == .invalid(field: "id", reason: "taken") && r1.body.hasPrefix("refused"))
        let overdraw = EngineEvent.withdrawal(Transfer(account: "bob", currency: "USD", amount: 5))
        guard case .rejected(_, let r2) = try await engine.submit(overdraw, answering: Self.answer("w1")) else {
            Issue.record("not refused by validation")
            return
        }
        let records = try journal.records(after: UInt64(before), limit: 10)
        #expect(try records.map { try EngineEvent(payload: $0.payload) } == [.frontEnd(r1), .frontEnd(r2)])
        #expect(await engine.state.accounts["bob"] == nil, "nothing applied")
        #expect(engine.counters.rejected == 2)
    }

    @Test("a market request and the pending conflated ticks go in one pass; a refused request leaves the feed's ticks pending")
    func marketRequestsEnterThroughTheFeed() async throws {
        let journal = InMemoryJournal()
        let engine = try await F.emptyEngine(store: journal)
        let state = await engine.state
        let btc = try #require(state.markets["BTC"])
        let eth = try #require(state.markets["ETH"])
        // A pending ETH tick from the feed, then a BTC request: one batch of both, in underlying order.
        engine.offer(MarketUpdate(underlying: "ETH", time: eth.valuationTime, index: eth.index * 1.01))
        let request = MarketUpdate(underlying: "BTC", time: btc.valuationTime, index: btc.index * 0.99)
        let before = journal.count
        guard case .accepted(let ack, _) = try await engine.submitMarkets([request], answering: Self.answer("m1"))
        else { Issue.record("not accepted"); return }
        let batch = try journal.records(after: UInt64(before), limit: 10).prefix(3)
        let kinds = try batch.map { try EngineEvent(payload: $0.payload) }
        #expect(kinds.count == 3)
        if case .market(let a) = kinds[0], case .market(let b) = kinds[1], case .frontEnd(let r) = kinds[2] {
            #expect(a.underlying == "BTC" && b.underlying == "ETH")
            #expect(r.body == "accepted \(ack.sequence + 1)", "the answer carries the batch's last sequence")
        } else {
            Issue.record("not market, market, answer: \(kinds)")
        }
        #expect(engine.conflator.pendingCount == 0)
        #expect(await engine.takeStats().updates == 1, "the feed's tick is measured like the market loop's")
        // A refused request (time before the market's) leaves a pending feed tick for the market loop.
        engine.offer(MarketUpdate(underlying: "ETH", time: eth.valuationTime, index: eth.index * 1.02))
        let stale = MarketUpdate(underlying: "BTC", time: btc.valuationTime.adding(seconds: -86_400), index: btc.index)
        guard case .rejected = try await engine.submitMarkets([stale], answering: Self.answer("m2")) else {
            Issue.record("not refused")
            return
        }
        #expect(engine.conflator.pendingCount == 1, "the feed's ETH tick is still pending")
        await engine.processPendingMarket()
        #expect(await engine.state.markets["ETH"]?.index == eth.index * 1.02)
    }

    /// An expiring answer of `scope` at `time` (24 h retention).
    static func scopedAnswer(_ id: String, scope: String, time: Instant) -> FrontEndAnswer {
        let record: @Sendable (String) -> FrontEndRecord = { body in
            FrontEndRecord(kind: "request", id: id, scope: scope, time: time, expires: time.adding(seconds: 86_400),
                           body: body)
        }
        return FrontEndAnswer(kind: "request", id: id, scope: scope, time: time,
                              accepted: { record("accepted \($0)") }, rejected: { record("refused \($0)") })
    }

    @Test("issue 19, finding 4: a request whose answer was forgotten is refused (expired), and one of a full scope (scopeFull), journaling and applying nothing")
    func forgottenAndFullScopesAreRefused() async throws {
        let journal = InMemoryJournal()
        let engine = try await F.emptyEngine(store: journal)
        let deposit = EngineEvent.deposit(Transfer(account: "carol", currency: "USD", amount: 5))
        guard case .accepted = try await engine.submit(deposit, answering: Self.scopedAnswer("k r0", scope: "k",
                                                                                             time: Self.t0))
        else { Issue.record("not accepted"); return }
        // A later answer of another scope, past the first's retention: the first is forgotten.
        let later = Self.t0.adding(seconds: 86_401)
        guard case .accepted = try await engine.submit(deposit, answering: Self.scopedAnswer("j r0", scope: "j",
                                                                                             time: later))
        else { Issue.record("not accepted"); return }
        let count = journal.count
        let balance = await engine.state.accounts["carol"]?.balances["USD"]
        guard case .refused(.expired) = try await engine.submit(deposit, answering: Self.scopedAnswer(
            "k r0", scope: "k", time: later.adding(seconds: 1)))
        else { Issue.record("a forgotten answer's retry was not refused"); return }
        #expect(journal.count == count)
        #expect(await engine.state.accounts["carol"]?.balances["USD"] == balance)

        // A full scope (built in the genesis: 100,000 answers younger than their retention).
        var genesis = await engine.state
        genesis.sequence = 0  // a new journal starts from it
        for i in 0..<FrontEndRecords.capacityPerScope {
            genesis.frontEnd.apply(FrontEndRecord(kind: "request", id: "full \(i)", scope: "full", time: later,
                                                  expires: later.adding(seconds: 86_400), body: "{}"))
        }
        let store = InMemoryJournal()
        let full = try await RiskEngine.open(store: store, genesis: genesis)
        guard case .refused(.scopeFull(let capacity)) = try await full.submit(deposit, answering: Self.scopedAnswer(
            "full new", scope: "full", time: later.adding(seconds: 1)))
        else { Issue.record("a full scope's request was not refused"); return }
        #expect(capacity == FrontEndRecords.capacityPerScope)
        #expect(store.count == 0)
        // Another scope is unaffected; and once the retention has passed the full scope writes again.
        guard case .accepted = try await full.submit(deposit, answering: Self.scopedAnswer(
            "other new", scope: "other", time: later.adding(seconds: 1)))
        else { Issue.record("another scope was refused"); return }
        guard case .accepted = try await full.submit(deposit, answering: Self.scopedAnswer(
            "full later", scope: "full", time: later.adding(seconds: 86_401)))
        else { Issue.record("the scope stayed full after the retention"); return }
        await full.close()
    }
}
