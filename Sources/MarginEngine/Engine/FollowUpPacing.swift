/// How the engine paces the liquidation it owes against market data (docs/LIQUIDATION.md, "Slices"): liquidation
/// is planned and journaled in slices of at most ``sliceLimit`` actions; between slices a turn yields to a pending
/// market tick once it has spent ``budget`` on follow-ups, and the market loop resumes the round after the tick.
///
/// Pacing decides *when* a slice ends and a turn yields, never *what* an action is: the actions journaled are the
/// same whatever the pacing (``LiquidationRound``).
public struct FollowUpPacing: Sendable, Hashable {
    /// Liquidation actions per slice (≥ 1; a takeover's deleverage fills count with it).
    public var sliceLimit: Int
    /// Wall-clock time a turn spends on follow-ups before it yields to a pending market tick, between slices.
    public var budget: Duration

    /// `sliceLimit` 16 actions, `budget` 10 ms.
    public init(sliceLimit: Int = 16, budget: Duration = .milliseconds(10)) {
        self.sliceLimit = max(1, sliceLimit)
        self.budget = budget
    }
}
