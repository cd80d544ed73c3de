import Foundation
import MarginCore
import MarginLedger

// Reads see durable state only: while a group-commit batch is committed ahead of its append they wait for it
// (``untilDurable()``: one append, or its rollback when it fails).
extension RiskEngine {
    /// The durable state (a value: a consistent snapshot).
    public var state: EngineState { get async { await untilDurable(); return core.state } }
    /// The markets alone, by underlying (a driver pricing its next order copies these, not the whole state).
    public var markets: [String: UnderlyingMarket] { get async { await untilDurable(); return core.state.markets } }
    /// The sequence of the last durable event.
    public var sequence: UInt64 { get async { await untilDurable(); return core.state.sequence } }
    public func margin(of account: String) async -> AccountMargin? {
        await untilDurable()
        return core.margin(of: account)
    }
    /// Every account's margin, by account name.
    public var margins: [String: AccountMargin] { get async { await untilDurable(); return core.margins } }
    /// FNV-1a digest of every margin's bit pattern and of the canonical state (``EngineCore/digest``).
    public var digest: String { get async { await untilDurable(); return core.digest } }
    /// The margins' half of ``digest``.
    public var marginDigest: String { get async { await untilDurable(); return core.marginDigest } }
    public var healthCounts: [Health: Int] { get async { await untilDurable(); return core.healthCounts } }
    /// The durable state's sequence and ``digest``, read together (one consistent pair under concurrent writes).
    public func durableDigest() async -> (sequence: UInt64, digest: String) {
        await untilDurable()
        return (core.state.sequence, core.digest)
    }
    /// Where the time of the last re-margining pass went.
    public var lastPass: PassProfile { core.lastPass }
    /// The accounts nearest liquidation for `underlying`, nearest first.
    public func priorityAccounts(of underlying: String) -> [String] { core.priorityAccounts(of: underlying) }
    /// Threads a pass may use (1 or 2; margins are bit-identical for both).
    public func setThreads(_ n: Int) { core.setThreads(n) }
    /// Accounts per underlying ranked and re-margined first (default 256).
    public func setPriorityCount(_ k: Int) { core.setPriorityCount(k) }
    /// The aggregation kernel's instruction-set path: `"avx512"`, `"avx2"` or `"scalar"`.
    public var aggregationInstructionSet: String { core.aggregationInstructionSet }
    /// Recomputes every account with the scalar reference and counts accounts differing by any bit.
    public func verifyAggregation() -> (accounts: Int, mismatches: Int) { core.verifyAggregation() }

    /// Whether the engine's code runs on its own thread (tests: `await engine.runsOnEngineThread()`).
    package func runsOnEngineThread() -> Bool { thread.isCurrent }
}
