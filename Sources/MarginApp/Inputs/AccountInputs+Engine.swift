import MarginCore
import MarginLedger
import MarginVenues

extension AccountInputs {
    /// The inputs of `name`, an account of the engine's `state`: its portfolio (``EngineState/portfolio(of:)``,
    /// balances and sizes as the engine margins them), the state's market (``EngineState/marketSnapshot()``) and the
    /// reference preset on the state's parameters; `nil` when the state has no such account.
    public init?(engineAccount name: String, in state: EngineState) {
        guard let portfolio = state.portfolio(of: name) else { return nil }
        self.init(market: state.marketSnapshot(), portfolio: portfolio, preset: .reference(state.parameters))
    }
}
