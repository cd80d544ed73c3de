import Foundation
import MarginCore

extension ServiceEvent {
    /// Checks the event by itself: ids, roles and hashes of bounded size (so that anything accepted is journaled
    /// and read back equal).
    func validate() throws(EngineError) {
        func check(_ text: String, field: String, max: Int = 128) throws(EngineError) {
            guard !text.isEmpty, text.utf8.count <= max, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
                throw .invalid(field: field, reason: "must be 1–\(max) printable characters")
            }
        }
        switch self {
        case .apiKey(let k):
            try check(k.id, field: "id", max: 64)
            try check(k.role, field: "role", max: 32)
            if let a = k.account { try EngineError.checkName(a, field: "account") }
            try check(k.salt, field: "salt", max: 128)
            try check(k.hash, field: "hash", max: 128)
            try check(k.createdBy, field: "createdBy", max: 64)
            guard k.revoked == nil else { throw .invalid(field: "revoked", reason: "a new key is not revoked") }
        case .apiKeyRevoked(let r):
            try check(r.id, field: "id", max: 64)
            try check(r.by, field: "by", max: 64)
        case .request:
            throw .invalid(field: "type", reason: "request records are journaled by the engine with the event they "
                           + "answer (RiskEngine.submit(_:answering:))")
        }
    }
}

extension EngineCore {
    /// Checks a service event against the state: a new key's id is unused, a revoked key exists and is live.
    func checkService(_ event: ServiceEvent) throws(EngineError) {
        switch event {
        case .apiKey(let k):
            guard state.service.keys[k.id] == nil else { throw .invalid(field: "id", reason: "key \"\(k.id)\" exists") }
        case .apiKeyRevoked(let r):
            guard let k = state.service.keys[r.id] else {
                throw .invalid(field: "id", reason: "unknown key \"\(r.id)\"")
            }
            guard k.revoked == nil else { throw .invalid(field: "id", reason: "key \"\(r.id)\" is already revoked") }
        case .request:
            break
        }
    }
}
