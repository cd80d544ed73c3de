import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The engine is the one driver: exactly one operation in flight (an actor is re-entrant across `await`), on its
/// own thread.
@Suite struct RiskEngineTurnTests {
    typealias F = EngineFixtures

    @Test("concurrent submits over a slow journal are serialized: each is validated against the state the previous one committed (no double spend)")
    func noDoubleSpend() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal)
        try await engine.submit(.deposit(Transfer(account: "eve", currency: "USD", amount: 100)))
        journal.delayAppends(by: .milliseconds(5))
        let results = await withTaskGroup(of: Result<Acknowledgement, EngineError>.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do throws(EngineError) {
                        return .success(try await engine.submit(.withdrawal(Transfer(account: "eve", currency: "USD",
                                                                                      amount: 30))))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var out: [Result<Acknowledgement, EngineError>] = []
            for await r in group { out.append(r) }
            return out
        }
        let accepted = results.compactMap { try? $0.get() }
        #expect(accepted.count == 3)
        for case .failure(let error) in results {
            guard case .insufficientBalance = error else { Issue.record("unexpected \(error)"); continue }
        }
        #expect(await engine.state.accounts["eve"]?.balances["USD"] == 10)
        #expect(Set(accepted.map(\.sequence)).count == 3)
        let records = try await journal.inner.allRecords(after: 0)
        #expect(records.map(\.sequence) == Array(1...UInt64(records.count)), "journal contiguous")
        #expect(engine.counters.rejected == 7)
    }

    @Test("the engine's code runs on its own thread, not on the cooperative pool")
    func ownThread() async throws {
        let engine = try await F.engine()
        #expect(await engine.runsOnEngineThread())

    }

    @Test("status and counters are readable without waiting for the engine")
    func statusWithoutWaiting() async throws {
        let journal = FaultyJournal()
        let engine = try await F.emptyEngine(store: journal)
        #expect(engine.status == .ready && engine.status.isReady)
        journal.delayAppends(by: .milliseconds(300))
        let slow = Task { try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 1))) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        #expect(engine.status == .ready)
        _ = engine.counters
        #expect(ContinuousClock.now - start < .milliseconds(100))
        _ = try await slow.value
    }

    @Test("a journal record that does not decode is refused at open, naming its sequence")
    func recoveryStatus() async throws {
        let journal = InMemoryJournal()
        try journal.append([JournalRecord(sequence: 1, payload: "{\"type\":\"nope\"}")])
        do {
            _ = try await RiskEngine.open(store: journal)
            Issue.record("opened on a corrupt journal")
        } catch {
            guard case .corruptRecord(let sequence, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(sequence == 1)
        }
    }
}
