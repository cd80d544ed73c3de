import Crypto
import MarginCore

/// A venue's Ed25519 public key as a JWK (RFC 8037): `{"kty": "OKP", "crv": "Ed25519", "x": base64url, "kid": K}`
/// with `K` the lowercase hex of the first 16 bytes of SHA-256 of the raw 32-byte public key (``keyID(of:)``).
public struct PublicJWK: Sendable, Equatable {
    /// The raw 32-byte public key.
    public var raw: [UInt8]

    public init(raw: [UInt8]) { self.raw = raw }

    /// The key id of a raw public key: lowercase hex of the first 16 bytes of its SHA-256.
    public static func keyID(of raw: [UInt8]) -> String { Hex.encode(SHA256.hash(data: raw).prefix(16)) }

    public var kid: String { Self.keyID(of: raw) }

    public var json: JSONValue {
        .object([("kty", .string("OKP")), ("crv", .string("Ed25519")), ("x", .string(Base64URL.encode(raw))),
                 ("kid", .string(kid))])
    }

    /// Reads a JWK object; a `kid` that is present must be the one of `x`.
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` naming the member.
    public init(json: JSONValue, path: String = "$") throws(StatementError) {
        guard case .object(let pairs) = json else { throw .malformed(path: path, reason: "a JWK must be an object") }
        func member(_ key: String) -> String? {
            if case .string(let s)? = pairs.first(where: { $0.key == key })?.value { return s }
            return nil
        }
        guard member("kty") == "OKP" else { throw .malformed(path: "\(path).kty", reason: "must be \"OKP\"") }
        guard member("crv") == "Ed25519" else { throw .malformed(path: "\(path).crv", reason: "must be \"Ed25519\"") }
        guard let x = member("x"), let raw = Base64URL.decode(x), raw.count == 32 else {
            throw .malformed(path: "\(path).x", reason: "must be the 32-byte public key in unpadded base64url")
        }
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw .malformed(path: "\(path).x", reason: "is not an Ed25519 public key")
        }
        self.raw = raw
        if let kid = member("kid"), kid != self.kid {
            throw .malformed(path: "\(path).kid", reason: "\(kid) is not the key id of x (\(self.kid))")
        }
    }

    /// Reads a JWK from JSON text.
    public init(jsonText: String) throws(StatementError) {
        let node: JSONNode
        do { node = try JSONNode.parse(jsonText) } catch {
            throw .malformed(path: "$", reason: "not JSON: \(error)")
        }
        try self.init(json: node.value)
    }

    /// Whether `signature` is `message`'s Ed25519 signature by this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
