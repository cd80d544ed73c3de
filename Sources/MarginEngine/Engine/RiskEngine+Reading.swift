import Foundation
import MarginCore
import MarginLedger

extension RiskEngine {
    public var state: EngineState { core.state }
    /// The markets alone, by underlying (a driver pricing its next order copies these, not the whole state).
    public var markets: [String: UnderlyingMarket] { core.state.markets }
    /// The sequence of the last applied event.
    public var sequence: UInt64 { core.state.sequence }
    public func margin(of account: String) -> AccountMargin? { core.margin(of: account) }
    /// Every account's margin, by account name.
    public var margins: [String: AccountMargin] { core.margins }
    /// FNV-1a digest of every margin's bit pattern and of the canonical state (``EngineCore/digest``).
    public var digest: String { core.digest }
    /// The margins' half of ``digest``.
    public var marginDigest: String { core.marginDigest }
    public var healthCounts: [Health: Int] { core.healthCounts }
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
