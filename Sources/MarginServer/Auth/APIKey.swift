import Crypto
import Foundation
import MarginStatements

/// API keys: `mk.<id>.<secret>`, the id public (12 hex digits, the key's name in logs and the journal), the
/// secret 32 random bytes in base64url (``Base64URL``). Only `SHA-256(salt ‖ secret)` is stored, with a random 16-byte salt per
/// key; a presented key is hashed the same way and compared in constant time. (The secret has 256 bits of
/// entropy, so a salted hash is as strong as a slow password hash here.)
public enum APIKey {
    public static let prefix = "mk"

    /// A new key for `id`: the full key (shown once) and its secret.
    static func generate(id: String) -> (key: String, secret: String) {
        let secret = Base64URL.encode(randomBytes(32))
        return ("\(prefix).\(id).\(secret)", secret)
    }

    /// A new random id (12 hex digits).
    static func newID() -> String { Hex.encode(randomBytes(6)) }

    /// `(id, secret)` of a key in the `mk.<id>.<secret>` form, `nil` otherwise.
    static func parse(_ key: String) -> (id: String, secret: String)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// `SHA-256(salt ‖ secret)`.
    static func hash(secret: String, salt: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(data: salt)
        h.update(data: Array(secret.utf8))
        return Array(h.finalize())
    }

    /// Equal byte strings, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// Seals a created key for the idempotent replay of its `POST /v1/keys` (the journal keeps only the sealed box):
/// AES-GCM under a key derived (HKDF-SHA256) from the admin key, which is not in the journal. A journal alone
/// (a backup, a replica) therefore reveals no key; an admin key change makes old boxes unreadable (their replay
/// then answers without the key).
struct KeySealer: Sendable {
    private let key: SymmetricKey

    init(adminKey: String) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(adminKey.utf8)),
                                     info: Array("margin serve: idempotent key replay".utf8), outputByteCount: 32)
    }

    func seal(_ text: String) -> String? {
        guard let box = try? AES.GCM.seal(Array(text.utf8), using: key), let combined = box.combined else { return nil }
        return Base64URL.encode(combined)
    }

    func open(_ sealed: String) -> String? {
        guard let bytes = Base64URL.decode(sealed), let box = try? AES.GCM.SealedBox(combined: bytes),
              let plain = try? AES.GCM.open(box, using: key) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
