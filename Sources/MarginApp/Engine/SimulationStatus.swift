import Foundation
import MarginCore
import MarginEngine
import MarginLedger

/// One second of `margin engine run`: what the engine applied, how stale margins were, accounts by health, and
/// business rejections and storage faults apart, with the engine's status.
public struct SimulationStatus: Sendable {
    /// Market updates applied per second, and ticks offered per second.
    public var updatesPerSecond: Double
    public var offeredPerSecond: Double
    /// Journal records written per second (events and health changes).
    public var eventsPerSecond: Double
    /// Tick arrival → every affected account re-margined, milliseconds: p50, p99, max over the second.
    public var stalenessMilliseconds: (p50: Double, p99: Double, max: Double)
    /// Tick arrival → the 100 accounts nearest liquidation re-margined, p99, milliseconds.
    public var priorityP99Milliseconds: Double
    public var healthCounts: [Health: Int]
    /// Since the start: events and market updates rejected by validation (nothing changed).
    public var rejected: Int
    /// Since the start: events and market updates not acknowledged because of a storage fault.
    public var storageFaults: Int
    /// Since the start: liquidation actions the engine journaled (its follow-ups: margin calls, steps, ends,
    /// takeovers, deleverage fills, alerts; and correlation tables when the table is dynamic).
    public var liquidationActions: Int = 0
    /// Accounts being liquidated now (a margin call journaled, not yet restored or taken over).
    public var liquidating: Int = 0
    /// Whether an invariant alert halted liquidation (docs/LIQUIDATION.md).
    public var liquidationHalted = false
    public var engine: EngineStatus

    /// The status line: `updates 20/s (offered 200/s) | events 41/s | staleness p50 … | top-100 p99 … ms |
    /// healthy … | liquidation actions 57, liquidating 3 | rejected 3 | storage faults 0 | ready`.
    public var line: String {
        let health = Health.allCases.map { "\($0.rawValue) \(healthCounts[$0] ?? 0)" }.joined(separator: " ")
        return String(format: "updates %.0f/s (offered %.0f/s) | events %.0f/s | staleness p50 %.1f p99 %.1f max %.1f ms | top-100 p99 %.2f ms | ",
                      updatesPerSecond, offeredPerSecond, eventsPerSecond, stalenessMilliseconds.p50,
                      stalenessMilliseconds.p99, stalenessMilliseconds.max, priorityP99Milliseconds)
            + "\(health) | liquidation actions \(liquidationActions), liquidating \(liquidating)"
            + (liquidationHalted ? " (halted)" : "")
            + " | rejected \(rejected) | storage faults \(storageFaults) | \(engine)"
    }

    /// Nearest-rank percentile of durations, milliseconds (0 when empty).
    static func percentile(_ sorted: [Duration], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank].secondsValue * 1e3
    }
}
