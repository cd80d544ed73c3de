import Foundation
import MarginEngine
import MarginLedger
import MarginStatements
import Synchronization

/// Why a request was not authenticated (logged and counted with every denial).
public enum AuthFailure: String, Error, Sendable {
    case missing, malformed, unknown, revoked, mismatch
}

/// The keys the service accepts: the admin key (from the admin key file, never journaled) and every journaled key
/// (``ServiceRecords/keys(in:)``), mirrored here so that authenticating a request never waits for the engine. The
/// service is the journal's one writer, so the mirror is updated right after each key event is durable.
public final class KeyRing: Sendable {
    struct Entry: Sendable {
        var principal: Principal
        var salt: [UInt8]
        var hash: [UInt8]
        var revoked: Bool
    }

    private let admin: Entry
    private let entries = Mutex<[String: Entry]>([:])
    /// Seals created keys for idempotent replays (``KeySealer``).
    let sealer: KeySealer

    /// - Parameter adminKey: the admin key file's content.
    public init(adminKey: String) {
        let salt = APIKey.randomBytes(16)
        admin = Entry(principal: Principal(keyID: "admin", role: .admin), salt: salt,
                      hash: APIKey.hash(secret: adminKey, salt: salt), revoked: false)
        sealer = KeySealer(adminKey: adminKey)
    }

    /// Loads the journaled keys (at start, from the recovered state's front-end records).
    public func load(_ records: FrontEndRecords) {
        let keys = ServiceRecords.keys(in: records)
        entries.withLock { e in
            e = [:]
            for (id, k) in keys { if let entry = Self.entry(k) { e[id] = entry } }
        }
    }

    func add(_ record: APIKeyRecord) {
        guard let entry = Self.entry(record) else { return }
        entries.withLock { $0[record.id] = entry }
    }

    func revoke(_ id: String) { entries.withLock { $0[id]?.revoked = true } }

    private static func entry(_ k: APIKeyRecord) -> Entry? {
        guard let role = Role(rawValue: k.role), let salt = Hex.decode(k.salt),
              let hash = Hex.decode(k.hash) else { return nil }
        return Entry(principal: Principal(keyID: k.id, role: role, account: k.account), salt: salt, hash: hash,
                     revoked: k.revoked != nil)
    }

    /// The caller a presented key belongs to, or why not. A journaled key (`mk.<id>.<secret>`) is found by its id
    /// and its secret's salted hash compared in constant time; anything else is compared with the admin key, also
    /// in constant time. An unknown id is still hashed, so the answer takes the same time.
    public func authenticate(_ presented: String) -> Result<Principal, AuthFailure> {
        guard !presented.isEmpty, presented.utf8.count <= 512 else { return .failure(.malformed) }
        let adminMatch = APIKey.constantTimeEqual(APIKey.hash(secret: presented, salt: admin.salt), admin.hash)
        if adminMatch { return .success(admin.principal) }
        guard let (id, secret) = APIKey.parse(presented) else { return .failure(.mismatch) }
        let entry = entries.withLock { $0[id] }
        guard let entry else {
            _ = APIKey.hash(secret: secret, salt: admin.salt)
            return .failure(.unknown)
        }
        guard APIKey.constantTimeEqual(APIKey.hash(secret: secret, salt: entry.salt), entry.hash) else {
            return .failure(.mismatch)
        }
        return entry.revoked ? .failure(.revoked) : .success(entry.principal)
    }
}
