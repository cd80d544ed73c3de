import MarginCore
import MarginEngine
import MarginLedger

// Small reads on the engine's thread that return only what a handler needs: a handler never takes the whole
// `EngineState` (a copy held while the engine commits would make it copy its dictionaries).
extension RiskEngine {
    func serviceKey(_ id: String) -> APIKeyRecord? { ServiceRecords.key(id, in: frontEndRecords) }
    func serviceKeys() -> [APIKeyRecord] {
        ServiceRecords.keys(in: frontEndRecords).values.sorted { $0.id < $1.id }
    }
    func riskParameters() async -> RiskParameters { await state.parameters }
    func accountExists(_ name: String) async -> Bool { await state.accounts[name] != nil }
    func isSystemAccount(_ name: String) async -> Bool { await state.liquidation.isSystemAccount(name) }
    func accountCount() async -> Int { await state.accounts.count }
}
