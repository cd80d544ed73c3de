import MarginLedger
import Foundation
import MarginCore
import Synchronization

/// The ledger's audit as the engine reports it (``RiskEngine/ledgerStatus``): what the invariant checks found and
/// whether liquidation is halted. Never a crash: trades, deposits and market data go on; liquidation stops at the
/// first violation's alert until an operator's `liquidationSettings` event clears it (docs/LIQUIDATION.md).
public struct LedgerStatus: Hashable, Sendable {
    /// The violations found since the engine opened, oldest first: by the full check at open
    /// (``EngineCore/auditLedger()``) and by the per-event checks (at most 1,000 kept).
    public var violations: [String] = []
    /// Why liquidation is halted (the journaled alert's reason), `nil` while it runs.
    public var halt: String?
    /// Accounts being liquidated (a margin call journaled, not yet restored or taken over).
    public var liquidating = 0

    public init(violations: [String] = [], halt: String? = nil, liquidating: Int = 0) {
        self.violations = violations
        self.halt = halt
        self.liquidating = liquidating
    }

    /// No violation found and liquidation not halted.
    public var isClean: Bool { violations.isEmpty && halt == nil }
}

extension RiskEngine {
    // MARK: Notices

    /// A new subscription to liquidation notices (margin calls, steps, ends, takeovers, deleverage fills, alerts),
    /// in journal order. Buffers the newest 65 536: a consumer that falls behind loses the oldest (their
    /// ``LiquidationNotice/sequence`` says where to read them back from the journal) and never holds the engine
    /// up. Ended by ``shutdown()``.
    public func liquidationNotices() -> AsyncStream<LiquidationNotice> {
        makeSubscription { noticeSubscribers[$0] = $1 }
    }

    /// Publishes `event` journaled at `sequence` when it is a liquidation action.
    func publishNotice(of event: EngineEvent, sequence: UInt64) {
        publishNotices([(event, sequence)])
    }

    /// Publishes journaled events at once, in order (those that are liquidation actions), all stamped before the
    /// first is delivered: waking a subscriber's thread costs tens of microseconds, paid once for the batch.
    func publishNotices(_ events: [(event: EngineEvent, sequence: UInt64)]) {
        guard !noticeSubscribers.isEmpty else { return }
        let now = ContinuousClock.now
        let notices = events.compactMap { e in
            e.event.isLiquidationAction ? LiquidationNotice(sequence: e.sequence, event: e.event, published: now) : nil
        }
        for notice in notices {
            for c in noticeSubscribers.values { c.yield(notice) }
        }
        // A subscriber woken onto this thread's CPU would otherwise wait for the rest of the turn (the round's
        // other steps, milliseconds): let it run first.
        if !notices.isEmpty { sched_yield() }
    }

    // MARK: The ledger

    /// The ledger's audit, from any thread without waiting for the engine (a health probe's answer).
    public nonisolated var ledgerStatus: LedgerStatus { board.withLock { $0.ledger } }

    /// Brings ``ledgerStatus`` up to date (O(1) unless something changed).
    func refreshLedgerStatus() {
        let violations = core.ledgerViolations
        let state = core.state
        board.withLock { board in
            if board.ledger.violations.count != violations.count { board.ledger.violations = violations }
            board.ledger.halt = state.liquidationHalt
            board.ledger.liquidating = state.liquidations.count
        }
    }

    /// The ledger's invariants over the whole state (``EngineCore/checkInvariants()``, O(accounts × positions)):
    /// the violations, empty when every invariant holds.
    public func checkInvariants() -> [String] { core.checkInvariants() }

    /// The accounts being liquidated, by name.
    public var liquidatingAccounts: [String] { core.liquidatingAccounts }

    /// The liquidation actions due now (``EngineCore/liquidationActions()``): empty after every turn unless the
    /// engine waits for journal time (a round's steps are taken) or a turn reached its bound.
    package func liquidationActions() -> [EngineEvent] { core.liquidationActions() }
}
