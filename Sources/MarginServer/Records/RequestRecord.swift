import MarginCore

/// The answer to one idempotent request (a front-end record of kind `request`), keyed by the API key that sent it
/// and its `Idempotency-Key`, journaled in the same atomic append as the event it answers, or alone for a
/// rejection, and kept for ``retention`` after the request.
///
/// The response is derived from the record alone: `status`, and the journal sequence of the event it answered
/// (`sequence`, for an accepted write) or the rejection's `error` text; `detail` is the service's sealed data (a
/// created key encrypted under the admin key).
public struct RequestRecord: Hashable, Sendable {
    /// How long an answer is kept: 24 hours after the request, seconds.
    public static let retention: Int64 = 86_400

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
    /// Sealed by the service (opaque to everyone else).
    public var detail: String?
    /// Wall-clock time of the request (retention is measured on it).
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
}
