import MarginLedger
import MarginCore

/// A validated event (or batch of market updates, or of health changes) with its journal records built, waiting
/// for the append to be durable: what ``EngineCore/prepare(_:)`` returns and ``EngineCore/commit(_:reportAfter:onPriorityDone:)``
/// applies. Preparing changes no state, so a batch whose append fails is simply dropped (or appended again).
package struct PreparedBatch {
    enum Content {
        case event(EngineEvent, Prepared)
        /// Accepted market updates of distinct underlyings, in order (one pass for all of them).
        case markets([(MarketUpdate, Prepared)])
        case health([HealthChange])
    }

    let content: Content
    /// The records to append (empty when every update of a market batch was rejected).
    package let records: [JournalRecord]
    /// The journal sequence the batch continues: the state's sequence when it was prepared.
    package let after: UInt64
    /// Market updates rejected by validation (nothing of them is journaled or applied).
    package var rejected: [(update: MarketUpdate, error: EngineError)] = []

    /// A batch of nothing continuing sequence `after` (a front-end record journaled alone rides on it).
    static func empty(after: UInt64) -> PreparedBatch {
        PreparedBatch(content: .markets([]), records: [], after: after)
    }

    /// The sequence of the batch's last record (``after`` when it is empty).
    package var lastSequence: UInt64 { after + UInt64(records.count) }

    /// The health changes of a health batch (empty otherwise).
    package var healthChanges: [HealthChange] {
        if case .health(let changes) = content { return changes }
        return []
    }
}

/// What validation computed that applying reuses.
struct Prepared {
    /// The new market of a market event.
    var market: UnderlyingMarket?
    /// Accounts holding an expiring instrument (before settlement), sorted.
    var holders: [String] = []
    /// Accounts a liquidation action changes (re-margined after it), sorted.
    var touched: [String] = []
    /// The ledger sums the event may change, before it (checked after it: ``LedgerAudit``).
    var footprint: LedgerFootprint?
    /// A takeover: the insurance fund's equity before it, USD (it must not be made negative, or more negative).
    var fundEquityBefore: Double?
}
