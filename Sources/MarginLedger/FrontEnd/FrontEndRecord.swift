import MarginCore

/// A front end's record (e.g. a service's API keys and the answers to its idempotent requests), journaled in the
/// same atomic append as the event it accompanies, or alone, and kept in ``EngineState/frontEnd`` so that the front
/// end reads it back after a restart.
///
/// The engine never interprets ``body``: it checks only the envelope's sizes (``validate()``), keeps the newest
/// record per ``kind`` and ``id``, and forgets an expiring record once a later expiring record's ``time`` passes its
/// ``expires``, remembering a digest of its kind and id (``FrontEndRecords``). Journaled as
/// `{"type":"frontEnd","kind":…,"id":…,"scope":…,"time":…,"expires":…,"body":"…"}` (``scope`` and ``expires``
/// omitted when `nil`).
public struct FrontEndRecord: Hashable, Sendable {
    /// The front end's name for the record's kind (1–64 printable characters), e.g. `apiKey`, `request`.
    public var kind: String
    /// What identifies the record within its kind (1–512 printable characters): a later record of the same kind
    /// and id replaces it.
    public var id: String
    /// The front end's time of the record (wall clock; retention is measured on records' own times, so replay keeps
    /// exactly what the live engine kept).
    public var time: Instant
    /// When the record may be forgotten (`nil`: kept for good). Never forgotten before: at most
    /// ``FrontEndRecords/capacityPerScope`` unexpired records are kept per ``scope``, and a request beyond that is
    /// refused rather than any record dropped.
    public var expires: Instant?
    /// Whose record it is, for the per-scope bound of expiring records (e.g. the API key id that sent a request);
    /// `nil`: the shared scope `""` (records journaled before scopes existed). 1–128 printable characters.
    public var scope: String?
    /// The front end's own text (at most ``maximumBodyBytes`` UTF-8 bytes); opaque to the engine.
    public var body: String

    /// The largest ``body`` accepted, bytes.
    public static let maximumBodyBytes = 65_536

    public init(kind: String, id: String, scope: String? = nil, time: Instant, expires: Instant? = nil,
                body: String) {
        self.kind = kind
        self.id = id
        self.scope = scope
        self.time = time
        self.expires = expires
        self.body = body
    }

    /// The key the record is kept and found by.
    public var key: FrontEndRecords.Key { FrontEndRecords.Key(kind: kind, id: id) }

    /// Checks the envelope: kind and id printable and bounded, instants ISO-8601 can write, `expires` not before
    /// `time`, the body within ``maximumBodyBytes``. The body itself is the front end's business.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the field.
    public func validate() throws(EngineError) {
        try EngineError.checkPrintable(kind, field: "kind", max: 64)
        try EngineError.checkPrintable(id, field: "id", max: 512)
        if let scope { try EngineError.checkPrintable(scope, field: "scope", max: 128) }
        try EngineError.checkInstant(time, field: "time")
        if let expires {
            try EngineError.checkInstant(expires, field: "expires")
            guard expires >= time else { throw .invalid(field: "expires", reason: "must not be before time") }
        }
        guard body.utf8.count <= Self.maximumBodyBytes else {
            throw .invalid(field: "body", reason: "must be at most \(Self.maximumBodyBytes) bytes")
        }
    }
}
