import MarginCore

/// An API key as journaled (a front-end record of kind `apiKey`, ``ServiceRecords``): its id (public, the first
/// part of the key), role, account (owners), and the salted hash of its secret (`SHA-256(salt ‖ secret)`, hex). The
/// key itself is never journaled.
public struct APIKeyRecord: Hashable, Sendable {
    public var id: String
    /// The role's name (``Role``: `admin`, `owner`, `trader`, `feeder`, `viewer`).
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
    /// Set when revoked (a journaled ``APIKeyRevocation``).
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

/// An API key revoked at `time` by `by` (a front-end record of kind `apiKeyRevoked`; the key stays known, so its id
/// is never reused).
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
