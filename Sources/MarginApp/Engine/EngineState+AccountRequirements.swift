import MarginCore
import MarginEngine
import MarginSimulation

extension EngineState {
    /// Every account's equity and margins, USD, from one pass of the engine's model (``accountMargins()``), in its
    /// order: the ``MarginPass`` a generated population (``Population``, ``CrashPopulation``) is funded from.
    public func accountRequirements() -> [(account: String, requirement: AccountRequirement)] {
        accountMargins().map { name, m in
            (name, AccountRequirement(equity: m.equity, initialMargin: m.initialMargin,
                                      maintenanceMargin: m.maintenanceMargin, health: m.health))
        }
    }
}
