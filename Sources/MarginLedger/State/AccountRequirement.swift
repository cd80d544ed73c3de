import MarginCore

/// An account's equity and margin requirements, USD, as a margin model computed them: what a generated population is
/// funded from (MarginSimulation's `GenesisFunding`).
///
/// The ledger margins nothing: a layer that owns a margin model hands a ``MarginPass`` to whoever needs one (the
/// engine's is `EngineState.accountRequirements()`), so the simulation depends only on the ledger.
public struct AccountRequirement: Hashable, Sendable {
    /// Equity, USD: balances at the index, option values, unrealized futures P&L.
    public var equity: Double
    /// Initial margin, USD (≥ 0; +∞ when the account's risk cannot be computed).
    public var initialMargin: Double
    /// Maintenance margin, USD (≥ 0; +∞ when the account's risk cannot be computed).
    public var maintenanceMargin: Double
    /// The account's health at that equity and those margins.
    public var health: Health

    public init(equity: Double, initialMargin: Double, maintenanceMargin: Double, health: Health) {
        self.equity = equity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.health = health
    }
}

/// One margin pass over a state: every account the model margins, with its ``AccountRequirement``, in the model's
/// (deterministic) order. Funding draws from the population's generator in this order, so the same pass gives the
/// same population for a seed.
public typealias MarginPass = (EngineState) -> [(account: String, requirement: AccountRequirement)]
