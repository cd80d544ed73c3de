import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue 20 item 3 for follow-ups: a liquidation slice's actions and their health changes are journaled in ONE
/// append (``RiskEngine/journalFollowUpsInTurn()``), the same records one append per action would journal; a failed
/// append acknowledges nothing of the slice and leaves the engine at the last durable state; a retried one commits
/// the slice exactly once.
@Suite struct LiquidationSliceAppendTests {
    /// The crash of ``LiquidationSliceTests/breached(seed:)`` liquidated on an engine over `store`, with slices of
    /// `limit` actions; returns the engine and the follow-ups journaled.
    static func liquidate(store: any JournalStore, limit: Int, faultPolicy: StorageFaultPolicy = .retry())
        async throws -> (RiskEngine, [EngineEvent])
    {
        let engine = try await RiskEngine.open(store: store, genesis: LiquidationSliceTests.breached(),
                                               faultPolicy: faultPolicy)
        await engine.setThreads(1)
        await engine.setFollowUpPacing(FollowUpPacing(sliceLimit: limit))
        let followUps = try await engine.journalDue().followUps
        return (engine, followUps)
    }

    @Test("one append per slice: the journal holds exactly the records of one append per action (slices of 1), in far fewer appends than actions")
    func oneAppendPerSlice() async throws {
        let reference = InMemoryJournal()
        let (one, actionsOfOne) = try await Self.liquidate(store: reference, limit: 1)
        let journal = FaultyJournal()
        let (sliced, actions) = try await Self.liquidate(store: journal, limit: 16)
        #expect(actions == actionsOfOne)
        #expect(actions.count >= 30, "\(actions.count) actions")
        let slices = try LiquidationSliceTests.slices(LiquidationSliceTests.breached(), limit: 16).count
        // The genesis snapshot, the health changes before the first slice, then one append per slice.
        #expect(journal.appends.attempts <= slices + 2, "\(journal.appends.attempts) appends for \(slices) slices")
        #expect(journal.appends.attempts * 3 < actions.count, "\(journal.appends.attempts) appends, \(actions.count) actions")
        #expect(try await journal.inner.allRecords(after: 0) == (try await reference.allRecords(after: 0)))
        #expect(await sliced.digest == (await one.digest))
        #expect(sliced.counters.followUps == actions.count)
        #expect(await sliced.checkInvariants().isEmpty)
        await sliced.close()
        await one.close()
    }

    @Test("a slice whose append fails for good is not journaled, not counted, not visible: the stopped engine is at the last durable state, the state the journal recovers to")
    func failedSliceLeavesTheDurableState() async throws {
        let journal = FaultyJournal()
        let engine = try await RiskEngine.open(store: journal, genesis: LiquidationSliceTests.breached(),
                                               faultPolicy: .stop)
        await engine.setThreads(1)
        await engine.setFollowUpPacing(FollowUpPacing(sliceLimit: 4))
        // The health changes and the first two slices go through; the third slice's append fails.
        journal.failAppends(after: 3, message: "disk full (ENOSPC)")
        let acknowledged = try? await engine.journalDue()
        #expect(acknowledged == nil || engine.status.fault != nil)
        guard case .stopped = engine.status else { Issue.record("expected stopped: \(engine.status)"); return }
        let durable = try await journal.inner.allRecords(after: 0)
        let followUps = durable.compactMap { try? EngineEvent(payload: $0.payload) }.filter(\.isLiquidationAction)
        #expect(!followUps.isEmpty, "the first slices are durable")
        #expect(engine.counters.followUps == followUps.count, "only the durable slices are counted")
        #expect(await engine.sequence == UInt64(durable.count), "no record of the failed slice is visible")
        let recovered = try await RiskEngine.open(store: journal.inner)
        #expect(await recovered.state == (await engine.state), "rolled back to exactly the durable state")
        #expect(await recovered.digest == (await engine.digest))
        #expect(await recovered.margins == (await engine.margins))
        await recovered.close()
    }

    @Test("retry: a slice whose first append fails is committed exactly once when the retry succeeds; the journal and digest are those of a run without the fault")
    func retriedSliceIsCommittedOnce() async throws {
        let reference = InMemoryJournal()
        let (clean, _) = try await Self.liquidate(store: reference, limit: 4)
        let journal = FaultyJournal()
        let fast = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(2), maximum: .milliseconds(10)))
        let engine = try await RiskEngine.open(store: journal, genesis: LiquidationSliceTests.breached(),
                                               faultPolicy: fast)
        await engine.setThreads(1)
        await engine.setFollowUpPacing(FollowUpPacing(sliceLimit: 4))
        journal.failAppends(after: 3, message: "disk full")
        let inFlight = Task { try await engine.journalDue() }
        for _ in 0..<2_000 where engine.status.fault == nil { try await Task.sleep(for: .milliseconds(2)) }
        #expect(engine.status.fault != nil, "the third slice's append failed")
        journal.heal()
        _ = try await inFlight.value
        #expect(engine.status == .ready)
        #expect(engine.counters.recoveries >= 1)
        #expect(try await journal.inner.allRecords(after: 0) == (try await reference.allRecords(after: 0)))
        #expect(await engine.digest == (await clean.digest))
        #expect(await engine.checkInvariants().isEmpty)
        await engine.close()
        await clean.close()
    }
}
