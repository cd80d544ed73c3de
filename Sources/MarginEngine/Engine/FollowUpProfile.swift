import Foundation
import MarginCore
import MarginLedger

/// Where the engine's follow-up time went since the last ``RiskEngine/takeStats()`` (``RiskEngine/MarketStats``):
/// liquidation slices planned and journaled, wall-clock time split between planning (``EngineCore/nextFollowUps(skipping:sliceLimit:)``)
/// and journaling (validation, commit ahead, the one append per slice), and the slowest slice with its actions by
/// kind: what a benchmark prints to say where a turn's time goes under stress (issue 20).
///
/// Wall-clock durations on the engine's thread; never read by a decision (pacing only ends turns between slices).
public struct FollowUpProfile: Sendable {
    /// Lists journaled (liquidation slices and correlation tables), and the events in them.
    public var slices = 0
    public var events = 0
    /// Time spent asking for the lists (the planner) and journaling them.
    public var planning: Duration = .zero
    public var journaling: Duration = .zero
    /// The slowest list (planning + journaling), its planning share, and its events by kind.
    public var slowest: Duration = .zero
    public var slowestPlanning: Duration = .zero
    public var slowestKinds: [String: Int] = [:]

    public init() {}

    /// Notes one list: `events` journaled after `planning` and `journaling`.
    mutating func note(_ events: [EngineEvent], planning p: Duration, journaling j: Duration) {
        slices += 1
        self.events += events.count
        planning += p
        journaling += j
        guard p + j > slowest else { return }
        slowest = p + j
        slowestPlanning = p
        var kinds: [String: Int] = [:]
        for e in events { kinds[e.kind, default: 0] += 1 }
        slowestKinds = kinds
    }

    /// One line: `follow-ups: 120 slices, 1,880 events; planning 3.1 s, journaling 1.2 s; slowest slice 812 ms
    /// (planning 790 ms): takeover 3, deleverage 240`.
    public var summary: String {
        func ms(_ d: Duration) -> String {
            let s = d.secondsValue
            return s >= 1 ? String(format: "%.2f s", s) : String(format: "%.1f ms", s * 1e3)
        }
        let kinds = slowestKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "follow-ups: \(slices) slices, \(events) events; planning \(ms(planning)), journaling \(ms(journaling)); "
            + "slowest slice \(ms(slowest)) (planning \(ms(slowestPlanning)))" + (kinds.isEmpty ? "" : ": \(kinds)")
    }
}
