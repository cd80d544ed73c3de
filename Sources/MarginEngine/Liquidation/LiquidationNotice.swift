import MarginLedger
import MarginCore

/// A journaled liquidation action, as published to subscribers (``RiskEngine/liquidationNotices()``): a margin
/// call, a partial-reduction step, the end of a liquidation, a takeover, an auto-deleveraging fill (which concerns
/// its counterparty too), or an alert. In journal order; `sequence` is the action's journal sequence, so a
/// subscriber that missed some (a slow consumer whose buffer overflowed) reads them back from the journal.
public struct LiquidationNotice: Hashable, Sendable {
    public var sequence: UInt64
    /// One of `marginCall`, `liquidation`, `liquidationEnd`, `takeover`, `deleverage`, `alert`.
    public var event: EngineEvent
    /// When the engine published it, right after the journal append and commit (monotonic clock): for latency
    /// measurement only (the order is issued then; a subscriber receives it after its own scheduling). Never
    /// journaled, never read by a decision.
    public var published: ContinuousClock.Instant

    public init(sequence: UInt64, event: EngineEvent, published: ContinuousClock.Instant = .now) {
        self.sequence = sequence
        self.event = event
        self.published = published
    }

    /// The event's kind as journaled (`"marginCall"`, …).
    public var kind: String { event.kind }

    /// The accounts the action concerns, the liquidated account first: the makers of a step, the receivers of a
    /// takeover, the counterparty of a deleverage fill (whose position was closed); none for an alert.
    public var accounts: [String] {
        switch event {
        case .marginCall(let c): return [c.account]
        case .liquidation(let s): return unique([s.account] + s.fills.map(\.account))
        case .liquidationEnd(let e): return [e.account]
        case .takeover(let t): return unique([t.account] + t.transfers.map(\.to))
        case .deleverage(let d): return [d.account, d.counterparty]
        default: return []
        }
    }

    private func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

extension EngineEvent {
    /// Whether the event is a liquidation action (engine-written, published as a ``LiquidationNotice``).
    public var isLiquidationAction: Bool {
        switch self {
        case .marginCall, .liquidation, .liquidationEnd, .takeover, .deleverage, .alert: return true
        default: return false
        }
    }
}
