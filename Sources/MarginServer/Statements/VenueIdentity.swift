import MarginApp
import MarginStatements

/// Who signs the service's risk statements and commitments (docs/STATEMENTS.md): the venue's name, as it appears in
/// every signed object, and its key (Ed25519 signing key and commitment secret, ``VenueKey``). `margin serve` loads
/// the key from `--venue-key` (created with mode 0600 when absent) and the name from `--venue`; the public half is
/// served at `GET /v1/venue-key`.
public struct VenueIdentity: Sendable {
    /// The venue's name in what is signed (`"venue"` of statements and commitments).
    public var name: String
    public var key: VenueKey

    public init(name: String = VenueStatements.defaultVenue, key: VenueKey) {
        self.name = name
        self.key = key
    }

    /// A fresh key held in memory for this process only (tests, embedded servers): what it signs verifies only
    /// against the JWK this server publishes while it runs.
    public static func ephemeral(name: String = VenueStatements.defaultVenue) -> VenueIdentity {
        VenueIdentity(name: name, key: VenueKey.generate())
    }
}
