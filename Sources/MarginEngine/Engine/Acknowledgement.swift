import MarginCore
import MarginLedger

/// What the engine answers when an event has been journaled and applied.
public struct Acknowledgement: Hashable, Sendable {
    /// The event's journal sequence.
    public var sequence: UInt64
    /// Health changes the event caused, its follow-ups' included (already journaled after it).
    public var healthChanges: [HealthChange]
    /// The events the engine journaled itself after it, in the same turn, in journal order: a due correlation
    /// table, the liquidation actions the event made due (``EngineCore/nextFollowUps(skipping:)``).
    public var followUps: [EngineEvent] = []
}

/// What the engine answers for a batch of market updates (``RiskEngine/submitMarkets(_:)``).
public struct MarketBatchAcknowledgement: Sendable {
    /// Journal sequences of the applied updates, in order.
    public var sequences: [UInt64] = []
    /// Updates rejected by validation (nothing of them applied).
    public var rejected: [(update: MarketUpdate, error: EngineError)] = []
    /// Health changes the batch caused, its follow-ups' included (journaled after it).
    public var healthChanges: [HealthChange] = []
    /// The events the engine journaled itself after the batch (``Acknowledgement/followUps``).
    public var followUps: [EngineEvent] = []
}
