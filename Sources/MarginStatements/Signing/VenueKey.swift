import Crypto
import Foundation
import MarginCore

/// The venue's signing key (Ed25519, RFC 8032) and its commitment secret (32 bytes: the per-account salts of the
/// commitment are HMAC-SHA-256 under it), kept together in one file, mode 0600, never printed or logged:
///
/// `{"kty": "OKP", "crv": "Ed25519", "d": base64url seed, "x": base64url public key, "kid": K,
///   "commitmentSecret": 64 lowercase hex digits}`
///
/// (a private JWK, RFC 8037, with one more member). The public half is published as `<file>.jwk.json`
/// (``PublicJWK``). A key file readable or writable by group or others is refused.
public struct VenueKey: Sendable {
    /// The Ed25519 private key (its 32-byte seed is ``seed``).
    let privateKey: Curve25519.Signing.PrivateKey
    var seed: [UInt8] { Array(privateKey.rawRepresentation) }
    /// The commitment secret (32 bytes).
    let commitmentSecret: [UInt8]
    public let publicKey: PublicJWK

    /// A key from its seed and commitment secret (tests: RFC 8032's vectors).
    public init(seed: [UInt8], commitmentSecret: [UInt8]) throws(StatementError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .key(path: "seed", reason: "must be 32 bytes")
        }
        guard commitmentSecret.count == 32 else { throw .key(path: "commitmentSecret", reason: "must be 32 bytes") }
        privateKey = key
        self.commitmentSecret = commitmentSecret
        publicKey = PublicJWK(raw: Array(key.publicKey.rawRepresentation))
    }

    /// A fresh random key (the system's CSPRNG).
    public static func generate() -> VenueKey {
        VenueKey(privateKey: Curve25519.Signing.PrivateKey(),
                 commitmentSecret: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(privateKey: Curve25519.Signing.PrivateKey, commitmentSecret: [UInt8]) {
        self.privateKey = privateKey
        self.commitmentSecret = commitmentSecret
        publicKey = PublicJWK(raw: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The Ed25519 signature of `message` (64 bytes).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        Array((try? privateKey.signature(for: message)) ?? Data())
    }

    /// HMAC-SHA-256 of `message` under the commitment secret (32 bytes).
    public func commitmentSalt(_ message: [UInt8]) -> [UInt8] {
        var mac = saltAuthenticator()
        mac.update(data: message)
        return Array(mac.finalize())
    }

    /// An HMAC-SHA-256 keyed with the commitment secret, before any message: copy it per salt (the key's two
    /// blocks are hashed once, not per account).
    func saltAuthenticator() -> HMAC<SHA256> { HMAC<SHA256>(key: SymmetricKey(data: commitmentSecret)) }

    /// The file's JSON (private: never print it).
    var fileJSON: JSONValue {
        .object([("kty", .string("OKP")), ("crv", .string("Ed25519")), ("d", .string(Base64URL.encode(seed))),
                 ("x", .string(Base64URL.encode(publicKey.raw))), ("kid", .string(publicKey.kid)),
                 ("commitmentSecret", .string(Hex.encode(commitmentSecret)))])
    }

    /// The path of the public JWK published beside the key file `path`.
    public static func publicPath(of path: String) -> String { path + ".jwk.json" }

    /// Reads the key file at `path`, or creates it (with a fresh key, mode 0600, exclusively) and its public JWK
    /// when absent.
    ///
    /// - Returns: the key and whether it was created now.
    /// - Throws: ``StatementError/key(path:reason:)``: unreadable, malformed, or readable by group or others.
    public static func loadOrCreate(_ path: String) throws(StatementError) -> (key: VenueKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(path), false) }
        let key = generate()
        try key.write(to: path)
        return (key, true)
    }

    /// Reads the key file at `path` (refused when group or others may read or write it).
    public static func load(_ path: String) throws(StatementError) -> VenueKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .key(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else {
            throw .key(path: path, reason: String(format: "mode %o lets group or others read it; chmod 600 it",
                                                  info.st_mode & 0o777))
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .key(path: path, reason: "cannot read: \(error)")
        }
        guard let node = try? JSONNode.parse(text), case .object(let pairs) = node.value else {
            throw .key(path: path, reason: "not a JSON object")
        }
        func member(_ key: String) -> String? {
            if case .string(let s)? = pairs.first(where: { $0.key == key })?.value { return s }
            return nil
        }
        guard member("kty") == "OKP", member("crv") == "Ed25519" else {
            throw .key(path: path, reason: "not an Ed25519 key (kty OKP, crv Ed25519)")
        }
        guard let d = member("d").flatMap(Base64URL.decode), d.count == 32 else {
            throw .key(path: path, reason: "d must be the 32-byte seed in unpadded base64url")
        }
        guard let secret = member("commitmentSecret").flatMap({ Hex.decode($0, count: 32) }) else {
            throw .key(path: path, reason: "commitmentSecret must be 64 hex digits")
        }
        let key = try VenueKey(seed: d, commitmentSecret: secret)
        if let x = member("x"), x != Base64URL.encode(key.publicKey.raw) {
            throw .key(path: path, reason: "x is not the public key of d")
        }
        return key
    }

    /// Writes the key file (mode 0600, created exclusively: never overwrites) and the public JWK beside it.
    public func write(to path: String) throws(StatementError) {
        let privateText = (try CanonicalJSON.text(fileJSON)) + "\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .key(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
        let bytes = Array(privateText.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            throw .key(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        let publicText = (try CanonicalJSON.text(publicKey.json)) + "\n"
        do {
            try publicText.write(toFile: Self.publicPath(of: path), atomically: true, encoding: .utf8)
        } catch {
            throw .key(path: Self.publicPath(of: path), reason: "cannot write: \(error)")
        }
    }
}
