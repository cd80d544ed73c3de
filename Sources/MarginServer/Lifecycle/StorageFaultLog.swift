import Foundation
import Logging
import MarginEngine
import ServiceLifecycle

/// The log of the engine's storage faults and recoveries, from its status as the server sees it: a fault (the
/// journal cannot append) is logged at error with the store's reason, a change of reason again, a recovery at
/// notice with how long the fault lasted and the retries made, a stop on a fault at error. Status changes that
/// are not about storage (recovering → ready, a clean close) log nothing here.
struct StorageFaultLog {
    private var last: EngineStatus?

    /// Logs what changed since the last status observed.
    mutating func observe(_ status: EngineStatus, logger: Logger, now: Date = Date()) {
        defer { last = status }
        guard status != last else { return }
        switch (last, status) {
        case (.faulted(let was), .faulted(let fault)) where was.reason == fault.reason:
            return  // the same fault, one more retry
        case (_, .faulted(let fault)):
            logger.error("storage fault: the journal cannot append; writes answer 503 until it recovers",
                         metadata: ["reason": "\(fault.reason)", "attempts": "\(fault.attempts)"])
        case (.faulted(let fault), .ready):
            let seconds = String(format: "%.1f", max(0, now.timeIntervalSince(fault.since)))
            logger.notice("storage recovered: the journal appends again",
                          metadata: ["reason": "\(fault.reason)", "seconds": "\(seconds)",
                                     "attempts": "\(fault.attempts)"])
        case (_, .stopped(let fault?)):
            logger.error("engine stopped on a storage fault", metadata: ["reason": "\(fault.reason)"])
        default:
            return
        }
    }
}

/// Watches the engine's status every 100 ms for the service's lifetime and logs storage faults and recoveries
/// (``StorageFaultLog``).
struct StorageFaultLogService: Service {
    let server: MarginServer

    func run() async throws {
        guard let engine = await attachedEngine(server) else { return }
        await cancelWhenGracefulShutdown {
            var log = StorageFaultLog()
            while !Task.isCancelled {
                log.observe(engine.status, logger: server.logger)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
