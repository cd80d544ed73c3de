import MarginCore

/// Signing and verifying a JSON object: Ed25519 over the UTF-8 bytes of the RFC 8785 canonical form of the object
/// without its `signature` member, carried as `"signature": {"alg": "Ed25519", "kid": K, "sig": S}` (`S` the
/// 64-byte signature in unpadded base64url, `K` the key id: ``PublicJWK/kid``).
public enum Signature {
    /// `object` with its `signature` member (replacing any).
    public static func sign(_ object: JSONValue, with key: VenueKey) throws(StatementError) -> JSONValue {
        let unsigned = try withoutSignature(object)
        let message = try CanonicalJSON.bytes(unsigned)
        guard case .object(var pairs) = unsigned else { throw .malformed(path: "$", reason: "must be an object") }
        pairs.append(("signature", .object([("alg", .string("Ed25519")), ("kid", .string(key.publicKey.kid)),
                                             ("sig", .string(Base64URL.encode(key.sign(message))))])))
        return .object(pairs)
    }

    /// Checks `object`'s signature against `key`.
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` when the signature member is missing or not of the
    ///   format; ``StatementError/invalid(path:reason:)`` when it is by another key or does not verify.
    public static func verify(_ object: JSONValue, key: PublicJWK) throws(StatementError) {
        guard case .object(let pairs) = object else { throw .malformed(path: "$", reason: "must be an object") }
        guard case .object(let signature)? = pairs.first(where: { $0.key == "signature" })?.value else {
            throw .malformed(path: "$.signature", reason: "missing (an object {alg, kid, sig})")
        }
        func member(_ key: String) -> String? {
            if case .string(let s)? = signature.first(where: { $0.key == key })?.value { return s }
            return nil
        }
        guard member("alg") == "Ed25519" else { throw .malformed(path: "$.signature.alg", reason: "must be \"Ed25519\"") }
        guard let kid = member("kid") else { throw .malformed(path: "$.signature.kid", reason: "missing") }
        guard let sig = member("sig").flatMap(Base64URL.decode), sig.count == 64 else {
            throw .malformed(path: "$.signature.sig", reason: "must be 64 bytes in unpadded base64url")
        }
        guard kid == key.kid else {
            throw .invalid(path: "$.signature.kid", reason: "signed by key \(kid), not by the given key \(key.kid)")
        }
        let message = try CanonicalJSON.bytes(try withoutSignature(object))
        guard key.isValidSignature(sig, for: message) else {
            throw .invalid(path: "$.signature.sig", reason: "the Ed25519 signature does not verify: the signed content "
                           + "was changed, or the signature was")
        }
    }

    /// The key id an object claims to be signed by, if any.
    public static func keyID(of object: JSONValue) -> String? {
        guard case .object(let pairs) = object,
              case .object(let signature)? = pairs.first(where: { $0.key == "signature" })?.value,
              case .string(let kid)? = signature.first(where: { $0.key == "kid" })?.value else { return nil }
        return kid
    }

    static func withoutSignature(_ object: JSONValue) throws(StatementError) -> JSONValue {
        guard case .object(let pairs) = object else { throw .malformed(path: "$", reason: "must be an object") }
        return .object(pairs.filter { $0.key != "signature" })
    }
}
