import MarginCore
import MarginLedger

extension EngineState {
    /// Every account's margin in this state, by account name in name order: the engine's own figures (a risk book
    /// rebuilt from the state), without an engine or a journal (used to fund simulated populations).
    package func accountMargins() -> [(account: String, margin: AccountMargin)] {
        let book = RiskBook(parameters: parameters)
        book.correlations = correlations
        book.rebuild(from: self)
        return book.accountNames.enumerated().map { ($1, book.margins[$0]) }
    }

    /// Every account's equity and margins, USD, from one pass of the engine's model (``accountMargins()``), in its
    /// order: the ``MarginPass`` a generated population is funded from.
    package func accountRequirements() -> [(account: String, requirement: AccountRequirement)] {
        accountMargins().map { name, m in
            (name, AccountRequirement(equity: m.equity, initialMargin: m.initialMargin,
                                      maintenanceMargin: m.maintenanceMargin, health: m.health))
        }
    }
}
