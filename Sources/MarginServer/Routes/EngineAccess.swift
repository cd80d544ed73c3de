import MarginCore
import MarginEngine

// Small reads on the engine's thread that return only what a handler needs: a handler never takes the whole
// `EngineState` (a copy held while the engine commits would make it copy its dictionaries).
extension RiskEngine {
    func serviceKey(_ id: String) -> APIKeyRecord? { state.service.keys[id] }
    func serviceKeys() -> [APIKeyRecord] { state.service.keys.values.sorted { $0.id < $1.id } }
    func serviceState() -> ServiceState { state.service }
    func riskParameters() -> RiskParameters { state.parameters }
    func accountExists(_ name: String) -> Bool { state.accounts[name] != nil }
    func accountCount() -> Int { state.accounts.count }
}
