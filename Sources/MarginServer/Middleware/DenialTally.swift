import Foundation
import Logging
import Synchronization

/// Unauthenticated denials counted and logged in aggregate: one notice line per interval (how many, by reason,
/// from how many addresses, the busiest few), never one line per request, so that a flood of bad keys cannot
/// flood the log. Addresses are counted up to ``maxAddresses`` per interval (the rest as one "other").
final class DenialTally: Sendable {
    private struct Window {
        var count = 0
        var reasons: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        var started: ContinuousClock.Instant
    }

    static let maxAddresses = 10_000
    let interval: Duration
    private let window: Mutex<Window>

    init(interval: Duration = .seconds(10)) {
        self.interval = interval
        window = Mutex(Window(started: .now))
    }

    /// Counts one denial; logs the window when it is `interval` old.
    func record(reason: String, address: String?, logger: Logger, now: ContinuousClock.Instant = .now) {
        window.withLock { w in
            w.count += 1
            w.reasons[reason, default: 0] += 1
            let key = address ?? "unknown"
            if w.addresses[key] != nil || w.addresses.count < Self.maxAddresses {
                w.addresses[key, default: 0] += 1
            } else {
                w.addresses["other", default: 0] += 1
            }
        }
        flush(logger: logger, now: now)
    }

    /// Logs and resets the window if it is `interval` old and holds denials (also called once a second).
    func flush(logger: Logger, now: ContinuousClock.Instant = .now, force: Bool = false) {
        let done: Window? = window.withLock { w in
            guard w.count > 0, force || now - w.started >= interval else { return nil }
            defer { w = Window(started: now) }
            return w
        }
        guard let done else { return }
        let reasons = done.reasons.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        let top = done.addresses.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
            .map { "\($0.key):\($0.value)" }.joined(separator: ",")
        let seconds = Double((now - done.started).components.seconds)
            + Double((now - done.started).components.attoseconds) / 1e18
        logger.notice("unauthenticated requests denied",
                      metadata: ["count": "\(done.count)", "seconds": "\(String(format: "%.1f", seconds))",
                                 "reasons": "\(reasons)", "addresses": "\(done.addresses.count)", "top": "\(top)",
                                 "status": "401"])
    }
}
