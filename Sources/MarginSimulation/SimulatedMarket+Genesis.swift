import MarginCore
import MarginLedger

extension SimulatedMarket {
    /// A state under `parameters` with this market's underlyings (one `market` event each) and its listings
    /// (``listings(optionsPerUnderlying:)``), and those listings: where a generated population starts.
    func genesisState(optionsPerUnderlying: Int,
                      parameters: RiskParameters) -> (state: EngineState, listings: [Listing]) {
        var state = EngineState(parameters: parameters)
        for i in underlyings.indices {
            if case .market(let m) = marketEvent(i) { state.apply(.market(m)) }
        }
        let listed = listings(optionsPerUnderlying: optionsPerUnderlying)
        for l in listed { state.apply(.listing(l)) }
        return (state, listed)
    }
}
