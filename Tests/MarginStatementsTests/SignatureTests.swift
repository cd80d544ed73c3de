import Crypto
import Foundation
import MarginCore
import MarginStatements
import Testing

@Suite("Signature: Ed25519 (RFC 8032) over RFC 8785 bytes")
struct SignatureTests {
    /// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
    static let vectors: [(seed: String, publicKey: String, message: String, signature: String)] = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ]

    @Test("RFC 8032 vectors: public key from the seed, the signature, and its verification")
    func rfc8032() throws {
        for v in Self.vectors {
            let key = try VenueKey(seed: try #require(Hex.decode(v.seed)), commitmentSecret: [UInt8](repeating: 0, count: 32))
            #expect(Hex.encode(key.publicKey.raw) == v.publicKey)
            let message = try #require(Hex.decode(v.message))
            let signature = try #require(Hex.decode(v.signature))
            #expect(key.publicKey.isValidSignature(signature, for: message))
            // Ed25519 is deterministic (BoringSSL on Linux): the same signature byte for byte.
            #expect(Hex.encode(key.sign(message)) == v.signature)
            var flipped = signature
            flipped[0] ^= 1
            #expect(!key.publicKey.isValidSignature(flipped, for: message))
        }
    }

    @Test("the kid is the hex of SHA-256(public key)'s first 16 bytes; the JWK reads back")
    func jwk() throws {
        let key = try VenueKey(seed: try #require(Hex.decode(Self.vectors[0].seed)), commitmentSecret: [UInt8](repeating: 1, count: 32))
        let raw = try #require(Hex.decode(Self.vectors[0].publicKey))
        #expect(key.publicKey.kid == Hex.encode(SHA256.hash(data: raw).prefix(16)))
        let text = try CanonicalJSON.text(key.publicKey.json)
        #expect(text.hasPrefix("{\"crv\":\"Ed25519\",\"kid\":\""))
        #expect(try PublicJWK(jsonText: text) == key.publicKey)
        #expect(throws: StatementError.self) { try PublicJWK(jsonText: text.replacingOccurrences(of: "OKP", with: "EC")) }
    }

    @Test("a signed object verifies; changing any member or the signature fails, naming why")
    func tamper() throws {
        let key = VenueKey.generate()
        let signed = try Signature.sign(.object([("a", .string("1")), ("b", .double(2.5))]), with: key)
        try Signature.verify(signed, key: key.publicKey)
        guard case .object(var pairs) = signed else { Issue.record("not an object"); return }
        pairs[0].value = .string("2")
        #expect(throws: StatementError.invalid(path: "$.signature.sig", reason: "the Ed25519 signature does not verify: the signed content was changed, or the signature was")) {
            try Signature.verify(.object(pairs), key: key.publicKey)
        }
        // Another key: named by its kid.
        let other = VenueKey.generate()
        #expect(throws: StatementError.self) { try Signature.verify(signed, key: other.publicKey) }
        // Member order does not matter (canonical bytes), whitespace neither.
        guard case .object(let original) = signed else { return }
        try Signature.verify(.object(original.reversed()), key: key.publicKey)
    }

    @Test("the key file is created 0600 with its public JWK beside it, read back, and refused when others may read it")
    func keyFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("venue-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("venue-key").path
        let (created, isNew) = try VenueKey.loadOrCreate(path)
        #expect(isNew)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let jwk = try PublicJWK(jsonText: String(contentsOfFile: VenueKey.publicPath(of: path), encoding: .utf8))
        #expect(jwk == created.publicKey)
        let (loaded, again) = try VenueKey.loadOrCreate(path)
        #expect(!again)
        #expect(loaded.publicKey == created.publicKey)
        #expect(loaded.commitmentSalt([1, 2, 3]) == created.commitmentSalt([1, 2, 3]))
        chmod(path, 0o644)
        #expect(throws: StatementError.self) { try VenueKey.load(path) }
    }
}
