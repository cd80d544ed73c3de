import Foundation
import MarginApp
import MarginEngine
import MarginLedger
import MarginTestSupport
import Synchronization
import Testing

/// `margin engine run`'s use-case (``SimulationRun``) on a journal that fails on demand (``FaultyJournal``):
/// storage faults are reported apart from rejections, with the engine's status, and end the run per the policy.
@Suite struct SimulationRunTests {
    static func configuration(seconds: Double, policy: StorageFaultPolicy) -> SimulationRun.Configuration {
        var c = SimulationRun.Configuration()
        c.driver.accounts = 40
        c.driver.positions = 4
        c.driver.options = 10
        c.driver.rate = 50
        c.driver.trades = 50
        c.seconds = seconds
        c.snapshotEvery = 0
        c.faultPolicy = policy
        return c
    }

    /// Collects the run's reports.
    final class Reports: Sendable {
        let items = Mutex<[SimulationRun.Report]>([])
        func add(_ r: SimulationRun.Report) { items.withLock { $0.append(r) } }
        var statuses: [SimulationStatus] {
            items.withLock { $0 }.compactMap { if case .status(let s) = $0 { return s } else { return nil } }
        }
    }

    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<3_000 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test("stop policy: a storage fault mid-run stops the engine, the run ends early, faults are counted apart from rejections and the outcome says so")
    func faultStopsRun() async throws {
        let journal = FaultyJournal()
        journal.failAppends(after: 10, message: "disk full")
        let reports = Reports()
        let start = ContinuousClock.now
        // A run of 300 s that ends on the fault: well before its end even when the parallel suite starves the
        // cooperative pool for a minute (seen on 2 cores), while a run that ignored the fault would take 300 s.
        let outcome = try await SimulationRun.run(Self.configuration(seconds: 300, policy: .stop), store: journal,
                                                  interrupted: StopFlag(), report: reports.add)
        #expect(ContinuousClock.now - start < .seconds(150), "ended on the fault, not after 300 s")
        #expect(outcome.endedOnStorageFault)
        guard case .stopped(let fault?) = outcome.status else { Issue.record("\(outcome.status)"); return }
        #expect(fault.reason == "disk full")
        #expect(outcome.sequence == (try journal.inner.lastSequence()), "the state is the journal's")
        #expect(outcome.summary.hasPrefix("stopped at sequence \(outcome.sequence); margin digest "))
        #expect(outcome.counters.storageFaults >= 1)
        if let last = reports.statuses.last {
            #expect(last.line.contains("| rejected \(last.rejected) | storage faults \(last.storageFaults) | "))
        }
    }

    @Test("retry policy: the status line shows the engine faulted with the reason and storage faults apart; after the fault clears the run goes on and ends ready")
    func faultThenRecovery() async throws {
        let journal = FaultyJournal()
        let reports = Reports()
        let policy = StorageFaultPolicy.retry(Backoff(initial: .milliseconds(20), maximum: .milliseconds(100)))
        let run = Task {
            try await SimulationRun.run(Self.configuration(seconds: 8, policy: policy), store: journal,
                                        interrupted: StopFlag(), report: reports.add)
        }
        // Fail once the run reports (the engine is open), for more than two status lines; then heal.
        #expect(await Self.eventually { reports.statuses.count >= 1 })
        journal.failAppends(message: "disk full")
        #expect(await Self.eventually { reports.statuses.filter { $0.engine.fault != nil }.count >= 2 })
        journal.heal()
        let outcome = try await run.value
        #expect(!outcome.endedOnStorageFault)
        #expect(outcome.status == .ready)
        let statuses = reports.statuses
        let faulted = statuses.filter { $0.engine.fault != nil }
        #expect(!faulted.isEmpty, "a status line reported the fault")
        #expect(faulted.allSatisfy { $0.line.contains("faulted for") && $0.line.contains("disk full") })
        #expect(faulted.contains { $0.updatesPerSecond == 0 }, "nothing applied while faulted")
        #expect(faulted.allSatisfy {
            $0.line.contains("| rejected \($0.rejected) | storage faults \($0.storageFaults) | faulted for")
        }, "rejections and storage faults apart, then the engine's status")
        #expect(outcome.counters.faults >= 1)
        #expect(statuses.last?.engine == .ready)
        #expect(outcome.counters.recoveries >= 1)
        let records = try await journal.inner.allRecords(after: 0)
        #expect(records.map(\.sequence) == Array(1...outcome.sequence))
    }

    @Test("the run liquidates: accounts the genesis leaves below maintenance margin get margin calls and are restored or taken over, reported on the status line and in the outcome; the journal holds the actions and the ledger stays clean")
    func runLiquidates() async throws {
        let journal = InMemoryJournal()
        let reports = Reports()
        var c = Self.configuration(seconds: 2, policy: .retry())
        c.driver.accounts = 200
        let outcome = try await SimulationRun.run(c, store: journal, interrupted: StopFlag(), report: reports.add)
        let calls = outcome.liquidationActions["marginCall"] ?? 0
        #expect(calls > 0, "\(outcome.summary)")
        let resolved = (outcome.liquidationActions["liquidationEnd"] ?? 0)
            + (outcome.liquidationActions["takeover"] ?? 0)
        #expect(resolved + outcome.ledger.liquidating == calls, "every call is restored, taken over or in progress")
        #expect(outcome.ledger.isClean)
        #expect(outcome.summary.contains("liquidation actions: marginCall \(calls), "), "\(outcome.summary)")
        let actions = outcome.liquidationActions.values.reduce(0, +)
        #expect(outcome.counters.followUps == actions && outcome.counters.followUpRejections == 0)
        #expect(reports.statuses.last?.line.contains("liquidation actions \(actions), liquidating ") == true)
        let journaled = try await journal.allRecords(after: 0).filter {
            (try? EngineEvent(payload: $0.payload))?.isLiquidationAction == true
        }
        #expect(journaled.count == actions)
        // Nobody sits in liquidation untouched: an account still liquidating has had a step this run or waits for
        // its next round.
        #expect(outcome.ledger.liquidating <= calls)
    }

    @Test("replay of a journal that does not exist is an error and creates no file")
    func replayMissing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nope.sqlite").path
        await #expect(throws: EngineError.self) { try await JournalReplay.run(.sqlite(path: path)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("replay of a run's journal gives the run's final margin digest")
    func replayMatchesRun() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let location = JournalLocation.sqlite(path: dir.appendingPathComponent("run.sqlite").path)
        let outcome = try await SimulationRun.run(Self.configuration(seconds: 1.5, policy: .stop),
                                                  store: try await location.openForWriting(),
                                                  interrupted: StopFlag(), report: { _ in })
        #expect(!outcome.endedOnStorageFault)
        let replay = try await JournalReplay.run(location)
        #expect(replay.sequence == outcome.sequence)
        #expect(replay.marginDigest == outcome.marginDigest)
        #expect(replay.lines.contains { $0.hasPrefix("margin digest \(outcome.marginDigest)  state digest ") })
        // Every record of the journal is counted by kind, market updates among them.
        #expect(UInt64(replay.events.total) == outcome.sequence)
        #expect((replay.events.counts["market"] ?? 0) > 0)
        #expect(replay.lines.contains(replay.events.line))
        // The run closed its store: the journal can be opened for writing again.
        await (try await location.openForWriting()).close()
    }
}
