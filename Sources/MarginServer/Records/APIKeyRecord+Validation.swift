import MarginCore
import MarginLedger

extension APIKeyRecord {
    /// Checks a new key by itself: ids, role and hashes of bounded size (so that anything accepted is journaled and
    /// read back equal), an owner's account a valid name, not revoked.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the field (answered 400).
    func validate() throws(EngineError) {
        try EngineError.checkPrintable(id, field: "id", max: 64)
        try EngineError.checkPrintable(role, field: "role", max: 32)
        if let account { try EngineError.checkAccountID(account, field: "account") }
        try EngineError.checkPrintable(salt, field: "salt", max: 128)
        try EngineError.checkPrintable(hash, field: "hash", max: 128)
        try EngineError.checkPrintable(createdBy, field: "createdBy", max: 64)
        guard revoked == nil else { throw .invalid(field: "revoked", reason: "a new key is not revoked") }
    }
}

extension APIKeyRevocation {
    /// Checks the revocation by itself.
    func validate() throws(EngineError) {
        try EngineError.checkPrintable(id, field: "id", max: 64)
        try EngineError.checkPrintable(by, field: "by", max: 64)
    }
}
