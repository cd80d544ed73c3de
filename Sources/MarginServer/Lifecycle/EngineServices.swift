import CoreMetrics
import Foundation
import Logging
import MarginApp
import MarginEngine
import MarginLedger
import ServiceLifecycle

/// Opens the engine on the journal (recovery; `/readyz` answers `recovering` meanwhile), hands it to the server,
/// runs its conflated market loop, and on graceful shutdown — after the HTTP server has finished its in-flight
/// requests (it is shut down first) — stops the loop, writes a last snapshot and closes the engine (releasing the
/// journal's writer lock).
struct EngineService: Service {
    let server: MarginServer
    let store: any JournalStore
    let genesis: EngineState
    let demo: SimulationDriver?
    let tradeRules: TradeRules
    let logger: Logger

    func run() async throws {
        let last = try await store.lastSequence()
        let snapshot = try await store.latestSnapshot()
        let empty = last == 0 && snapshot == nil
        let engine = try await RiskEngine.open(store: store, genesis: empty ? genesis : EngineState(),
                                               tradeRules: tradeRules)
        do {
            // A new journal starts with the demo's correlation table.
            if empty { try await demo?.journalCorrelations(engine) }
        } catch {
            await engine.close()
            throw error
        }
        await server.attach(engine)
        let sequence = await engine.sequence
        let accounts = await engine.accountCount()
        logger.info("engine ready", metadata: ["sequence": "\(sequence)", "accounts": "\(accounts)"])
        await withGracefulShutdownHandler {
            await engine.runMarketLoop()
        } onGracefulShutdown: {
            Task { await engine.shutdown() }
        }
        server.finishStreams()
        if engine.status.isReady {
            do {
                let report = try await engine.writeSnapshot()
                logger.info("snapshot written", metadata: ["sequence": "\(report.sequence)"])
            } catch {
                logger.error("last snapshot failed", metadata: ["error": "\(error)"])
            }
        }
        await engine.close()
        let closedAt = await engine.sequence
        logger.info("engine closed", metadata: ["sequence": "\(closedAt)"])
    }
}

/// Waits until the server has its engine (or the task is cancelled / shutdown begins).
func attachedEngine(_ server: MarginServer) async -> RiskEngine? {
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
        if let engine = server.engine { return engine }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return nil
}

/// Background snapshots every `every` seconds (the engine goes on; a restart replays less journal), each followed
/// by the commitment over every account at the then-durable sequence (``MarginServer/latestCommitment()``, on the
/// compute pool), and once a second the re-margin latencies into the metrics.
struct BackgroundService: Service {
    let server: MarginServer
    let snapshotEvery: Double

    func run() async throws {
        guard let engine = await attachedEngine(server) else { return }
        await cancelWhenGracefulShutdown {
            var nextSnapshot = ContinuousClock.now.advanced(by: .seconds(snapshotEvery))
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                server.denials.flush(logger: server.logger)
                let stats = await engine.takeStats()
                for s in stats.staleness { server.metrics.remargin.recordNanoseconds(Self.nanoseconds(s)) }
                for s in stats.priorityLatency { server.metrics.remarginPriority.recordNanoseconds(Self.nanoseconds(s)) }
                if snapshotEvery > 0, ContinuousClock.now >= nextSnapshot, engine.status.isReady,
                   !engine.isWritingSnapshot {
                    nextSnapshot = ContinuousClock.now.advanced(by: .seconds(snapshotEvery))
                    let logger = server.logger
                    await engine.writeSnapshotInBackground { result in
                        switch result {
                        case .success(let r):
                            server.noteSnapshot(sequence: r.sequence)
                            logger.info("snapshot written", metadata: ["sequence": "\(r.sequence)", "bytes": "\(r.bytes)"])
                            Task { await server.commitAfterSnapshot() }
                        case .failure(let error):
                            logger.error("snapshot failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}

/// The stream fan-out (health transitions to WebSocket clients) for the engine's lifetime.
struct StreamService: Service {
    let server: MarginServer

    func run() async throws {
        guard await attachedEngine(server) != nil else { return }
        await cancelWhenGracefulShutdown { await server.runStreams() }
    }
}

/// `--demo`: simulated ticks and trades while the service runs.
struct DemoService: Service {
    let server: MarginServer
    let demo: SimulationDriver

    func run() async throws {
        guard let engine = await attachedEngine(server) else { return }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await demo.runMarket(engine) }
                group.addTask { await demo.runTrades(engine) }
            }
        }
    }
}

/// Ends every WebSocket stream as soon as graceful shutdown begins (run last in the group, it is shut down first,
/// before the HTTP server waits for its connections), so that open streams close at once with a close frame
/// instead of holding shutdown for the grace.
struct StreamClosingService: Service {
    let server: MarginServer

    func run() async throws {
        try? await gracefulShutdown()
        server.finishStreams()
    }
}
