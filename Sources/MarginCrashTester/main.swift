import Foundation
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStorage

// The crash tester: runs the engine (`RiskEngine`) on a SQLite journal and prints one line per acknowledged event,
// so that a test can SIGKILL it at any point and check that every acknowledged event survived.
//
//   MarginCrashTester --db PATH [--seed N] [--events N] [--batch N --submitters K]
//
// Output (stdout, flushed per line): `READY <seq> <digest>`, then per step `ACK <seq> <digest>` (the event and any
// health changes it caused are durable), `REJ <seq> <reason>` (rejected; nothing changed) or `SNAP <seq>`;
// `DONE <seq> <digest>` at the end. Exit status 2 on bad arguments, 1 on a storage error (the message on stderr;
// a journal held by another engine says "journal is in use").
//
// With `--batch N` (batched ingest, group commit): K concurrent submitters (`--submitters`, default 4) each hand the
// engine N client writes at a time (``RiskEngine/submitWrites(_:)``); per acknowledged write `ACKW <seq>` once its
// batch is durable, and after each call `ACK <seq> <digest>` for the durable state read at once
// (``RiskEngine/durableDigest()``), so a kill lands anywhere in and between group-commit batches.

/// Writes one line straight to file descriptor 1 (no buffering: a line written is a line the test can read).
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

var path: String?
var seed: UInt64 = 1
var events = 1_000
var batch = 0
var submitters = 4
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--db": path = args.next()
    case "--seed": seed = args.next().flatMap(UInt64.init) ?? seed
    case "--events": events = args.next().flatMap(Int.init) ?? events
    case "--batch": batch = args.next().flatMap(Int.init) ?? batch
    case "--submitters": submitters = max(1, args.next().flatMap(Int.init) ?? submitters)
    default:
        FileHandle.standardError.write(Data("unknown argument \(arg)\n".utf8))
        exit(2)
    }
}
guard let path else {
    FileHandle.standardError.write(Data("usage: MarginCrashTester --db PATH [--seed N] [--events N]\n".utf8))
    exit(2)
}

/// Runs the workload; the engine stops at the first storage fault.
func crashRun(path: String, seed: UInt64, events: Int) async throws(EngineError) {
    let store = try SQLiteJournalStore(path: path)
    let genesis = CrashWorkload.genesis { $0.accountRequirements() }
    let engine = try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: .stop)
    try await engine.journalHealthChanges()
    emit("READY \(await engine.sequence) \(await engine.digest)")
    for step in 0..<events {
        switch CrashWorkload.next(state: await engine.state, seed: seed &+ UInt64(step) &* 1_000_003) {
        case .snapshot:
            try await engine.writeSnapshot()
            emit("SNAP \(await engine.sequence)")
        case .event(let event):
            do {
                try await engine.submit(event)
                emit("ACK \(await engine.sequence) \(await engine.digest)")
            } catch {
                if error.isStorageFault { throw error }
                emit("REJ \(await engine.sequence) \(error)")
            }
        }
    }
    emit("DONE \(await engine.sequence) \(await engine.digest)")
    await engine.close()
}

/// Batched ingest: `submitters` tasks each submit `batch` client writes per call until `events` are submitted.
func batchedRun(path: String, seed: UInt64, events: Int, batch: Int, submitters: Int) async throws(EngineError) {
    let store = try SQLiteJournalStore(path: path)
    let genesis = CrashWorkload.genesis { $0.accountRequirements() }
    let engine = try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: .stop)
    try await engine.journalHealthChanges()
    let (start, digest) = await engine.durableDigest()
    emit("READY \(start) \(digest)")
    let calls = max(1, events / max(1, batch * submitters))
    do {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for s in 0..<submitters {
                group.addTask {
                    for call in 0..<calls {
                        let state = await engine.state
                        var writes: [ClientWrite] = []
                        for k in 0..<batch * 4 where writes.count < batch {
                            let stepSeed = seed &+ UInt64((call * submitters + s) * batch * 4 + k) &* 1_000_003
                            if case .event(let e) = CrashWorkload.next(state: state, seed: stepSeed),
                               ClientWrite.isGathered(e) {
                                writes.append(ClientWrite(e))
                            }
                        }
                        for result in await engine.submitWrites(writes) {
                            switch result {
                            case .success(.accepted(let ack, _)): emit("ACKW \(ack.sequence)")
                            case .success: break
                            case .failure(let error): throw error
                            }
                        }
                        let (sequence, digest) = await engine.durableDigest()
                        emit("ACK \(sequence) \(digest)")
                    }
                }
            }
            try await group.waitForAll()
        }
    } catch let error as EngineError {
        throw error
    } catch {
        throw EngineError.storage("\(error)")
    }
    let (end, last) = await engine.durableDigest()
    emit("DONE \(end) \(last)")
    await engine.close()
}

do {
    if batch > 0 {
        try await batchedRun(path: path, seed: seed, events: events, batch: batch, submitters: submitters)
    } else {
        try await crashRun(path: path, seed: seed, events: events)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
