import Foundation
import MarginCore

/// What a front end (the HTTP service) journals beside the trading events, so that it survives restarts and
/// replays with the journal: API keys, their revocation, and the answer given to an idempotent request.
///
/// The engine interprets none of it beyond keeping it in ``EngineState/service`` (``ServiceState``): roles,
/// fingerprints and statuses are the front end's. Keys are stored as a salted hash, never the key itself.
public enum ServiceEvent: Hashable, Sendable {
    /// A new API key (its salted SHA-256 hash; the key itself is never journaled).
    case apiKey(APIKeyRecord)
    /// An API key revoked (it stays known, so its id is never reused).
    case apiKeyRevoked(APIKeyRevocation)
    /// The answer given to an idempotent request, journaled in the same atomic append as the event it answers
    /// (``RiskEngine/submit(_:answering:)``), or alone for a rejection.
    case request(RequestRecord)

    /// The journal's `"type"`.
    public var kind: String {
        switch self {
        case .apiKey: return "apiKey"
        case .apiKeyRevoked: return "apiKeyRevoked"
        case .request: return "request"
        }
    }
}

/// An API key as journaled: its id (public, the first part of the key), role, account (owners), and the salted
/// hash of its secret (`SHA-256(salt ‖ secret)`, hex).
public struct APIKeyRecord: Hashable, Sendable {
    public var id: String
    /// The front end's role name (`admin`, `owner`, `trader`, `feeder`, `viewer`).
    public var role: String
    /// The one account an owner key may read and what-if; `nil` for other roles.
    public var account: String?
    /// Hex.
    public var salt: String
    /// Hex SHA-256 of salt ‖ secret.
    public var hash: String
    /// Who created it (an API key id).
    public var createdBy: String
    public var created: Instant
    /// Set when revoked (``ServiceEvent/apiKeyRevoked(_:)``).
    public var revoked: Instant?

    public init(id: String, role: String, account: String?, salt: String, hash: String, createdBy: String,
                created: Instant, revoked: Instant? = nil) {
        self.id = id
        self.role = role
        self.account = account
        self.salt = salt
        self.hash = hash
        self.createdBy = createdBy
        self.created = created
        self.revoked = revoked
    }
}

/// An API key revoked at `time` by `by`.
public struct APIKeyRevocation: Hashable, Sendable {
    public var id: String
    public var by: String
    public var time: Instant

    public init(id: String, by: String, time: Instant) {
        self.id = id
        self.by = by
        self.time = time
    }
}

/// The answer to one idempotent request, keyed by the API key that sent it and its `Idempotency-Key`.
///
/// The response is derived from the record alone: `status`, and the journal sequence of the event it answered
/// (`sequence`, for an accepted write) or the rejection's `error` text; `detail` is opaque to the engine (the
/// front end's sealed data, e.g. a created key encrypted under the admin key).
public struct RequestRecord: Hashable, Sendable {
    /// The API key id that sent the request (idempotency keys are scoped to it).
    public var scope: String
    /// The `Idempotency-Key` header.
    public var key: String
    /// Hex SHA-256 of method, path and body: a retry with another body is refused.
    public var fingerprint: String
    /// The HTTP status answered.
    public var status: Int
    /// The event answered (accepted writes), journaled just before this record in the same append.
    public var sequence: UInt64?
    /// The rejection's message (refused writes).
    public var error: String?
    /// Opaque to the engine.
    public var detail: String?
    /// Wall-clock time of the request (retention is measured on it: ``ServiceState/retention``).
    public var time: Instant

    public init(scope: String, key: String, fingerprint: String, status: Int, sequence: UInt64? = nil,
                error: String? = nil, detail: String? = nil, time: Instant) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.sequence = sequence
        self.error = error
        self.detail = detail
        self.time = time
    }

    /// The key the record is found by: scope and idempotency key.
    public var id: RequestID { RequestID(scope: scope, key: key) }
}

/// An idempotency key scoped to the API key that sent it.
public struct RequestID: Hashable, Sendable, Comparable {
    public var scope: String
    public var key: String

    public init(scope: String, key: String) {
        self.scope = scope
        self.key = key
    }

    public static func < (a: RequestID, b: RequestID) -> Bool { (a.scope, a.key) < (b.scope, b.key) }
}
