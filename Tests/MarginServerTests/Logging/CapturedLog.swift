import Logging
import MarginServer
import Synchronization

/// A logger whose lines (the service's logfmt format) are kept for a test to read.
final class CapturedLog: Sendable {
    private let store = Mutex<[String]>([])

    var lines: [String] { store.withLock { $0 } }

    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test") { label in
            LogfmtLogHandler(label: label) { [self] line in store.withLock { $0.append(line) } }
        }
        logger.logLevel = level
        return logger
    }
}
