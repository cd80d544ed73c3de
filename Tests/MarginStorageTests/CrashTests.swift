import Foundation
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import MarginStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGKILLs the `MarginCrashTester` executable at ≥ 20 points in a stream of events on one SQLite journal, then
/// checks after every kill that (1) every acknowledged event is in the journal, (2) the journal is contiguous and
/// every record decodes, (3) the recovered state's digest equals the one acknowledged for that sequence (no
/// half-applied event), and (4) snapshot + journal recovery equals a replay of the whole journal from genesis.
@Suite struct CrashTests {
    static func testerURL() -> URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("MarginCrashTester")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs the tester, reads its lines, kills it after `acks` acknowledgements plus `delayMicros`.
    static func runAndKill(tester: URL, db: String, seed: Int, acks: Int, delayMicros: UInt32, batched: Bool = false)
        throws -> (acked: [UInt64: String], lastAck: UInt64?, writes: [UInt64])
    {
        let process = Process()
        process.executableURL = tester
        process.arguments = ["--db", db, "--seed", String(seed), "--events", "100000"]
            + (batched ? ["--batch", "16", "--submitters", "4"] : [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var acked: [UInt64: String] = [:]
        var lastAck: UInt64?
        var writes: [UInt64] = []
        var buffer = Data()
        var count = 0
        let handle = pipe.fileHandleForReading
        reading: while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == "ACKW", let seq = UInt64(parts[1]) { writes.append(seq) }
                if parts.count == 3, parts[0] == "ACK" || parts[0] == "READY", let seq = UInt64(parts[1]) {
                    acked[seq] = String(parts[2])
                    if parts[0] == "ACK" {
                        lastAck = seq
                        count += 1
                    }
                }
                if count >= acks { break reading }
            }
        }
        usleep(delayMicros)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Lines printed before the kill may still be in the pipe: they were acknowledged too.
        buffer.append(handle.readDataToEndOfFile())
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "ACKW", let seq = UInt64(parts[1]) { writes.append(seq) }
            if parts.count == 3, parts[0] == "ACK", let seq = UInt64(parts[1]) {
                acked[seq] = String(parts[2])
                lastAck = max(lastAck ?? 0, seq)
            }
        }
        return (acked, lastAck, writes)
    }

    @Test("SIGKILL at 24 points: every acknowledged event survives, none is half-applied")
    func sigkill() async throws {
        let tester = try #require(Self.testerURL(), "build MarginCrashTester first (swift build --build-tests)")
        let db = temporaryPath("crash.sqlite")
        var acknowledged: [UInt64: String] = [:]
        var kills = 0
        for run in 0..<24 {
            let (acked, lastAck, _) = try Self.runAndKill(tester: tester, db: db, seed: 1_000 + run,
                                                       acks: 2 + (run * 7) % 11, delayMicros: UInt32((run * 397) % 3_000))
            kills += 1
            acknowledged.merge(acked) { _, new in new }
            // Read-only: the checks take no writer lock, so the next run's tester can open the journal.
            let store = try SQLiteJournalStore(path: db, mode: .readOnly)
            let last = try await store.lastSequence()
            let records = try await store.allRecords(after: 0)
            #expect(records.map(\.sequence) == Array(1...max(last, 1)).prefix(records.count).map { $0 },
                    "journal is contiguous")
            for r in records { _ = try EngineEvent(payload: r.payload) }
            if let lastAck { #expect(last >= lastAck, "run \(run): acknowledged \(lastAck) but journal ends at \(last)") }
            let recovered = try await RiskEngine.open(store: store, faultPolicy: .stop)
            #expect(await recovered.sequence == last)
            let recoveredDigest = await recovered.digest
            if let digest = acknowledged[last] {
                #expect(recoveredDigest == digest, "run \(run): state at \(last) differs from the acknowledged one")
            }
            await recovered.close()
            let replay = InMemoryJournal()
            try replay.append(records)
            let fromGenesis = try await RiskEngine.open(store: replay, genesis: CrashWorkload.genesis())
            #expect(await fromGenesis.digest == recoveredDigest, "run \(run): snapshot recovery differs from full replay")
        }
        #expect(kills >= 20)
        #expect(acknowledged.count > 40)
    }

    @Test("SIGKILL during batched ingest (group commit, 4 submitters × 16 writes): every acknowledged write is in the journal once, the state at every acknowledged digest, replay the same")
    func sigkillDuringBatchedIngest() async throws {
        let tester = try #require(Self.testerURL(), "build MarginCrashTester first (swift build --build-tests)")
        let db = temporaryPath("crash-batched.sqlite")
        var acknowledged: [UInt64: String] = [:]
        var writes = 0
        for run in 0..<12 {
            let (acked, lastAck, written) = try Self.runAndKill(tester: tester, db: db, seed: 2_000 + run,
                                                                acks: 1 + run % 5,
                                                                delayMicros: UInt32((run * 631) % 4_000), batched: true)
            acknowledged.merge(acked) { _, new in new }
            writes += written.count
            let store = try SQLiteJournalStore(path: db, mode: .readOnly)
            let last = try await store.lastSequence()
            let records = try await store.allRecords(after: 0)
            #expect(records.map(\.sequence) == Array(1...max(last, 1)).prefix(records.count).map { $0 },
                    "journal is contiguous")
            let events = try records.map { try EngineEvent(payload: $0.payload) }
            for seq in written {
                #expect(seq <= last, "run \(run): write \(seq) acknowledged but the journal ends at \(last)")
                if seq <= last { #expect(ClientWrite.isGathered(events[Int(seq) - 1]), "run \(run): \(seq) is a write") }
            }
            if let lastAck { #expect(last >= lastAck) }
            let recovered = try await RiskEngine.open(store: store, faultPolicy: .stop)
            let recoveredDigest = await recovered.digest
            if let digest = acknowledged[last] {
                #expect(recoveredDigest == digest, "run \(run): state at \(last) differs from the acknowledged one")
            }
            #expect(await recovered.checkInvariants().isEmpty, "run \(run): ledger invariants")
            await recovered.close()
            let replay = InMemoryJournal()
            try replay.append(records)
            let fromGenesis = try await RiskEngine.open(store: replay, genesis: CrashWorkload.genesis())
            #expect(await fromGenesis.digest == recoveredDigest, "run \(run): recovery differs from full replay")
        }
        #expect(writes > 50, "batched writes acknowledged across the runs: \(writes)")
    }
}
