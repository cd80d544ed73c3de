import MarginLedger

/// How a front end has a submitted event answered idempotently (``RiskEngine/submit(_:answering:)``): the kept
/// record that, when present, already answers the request, an optional check of the kept records, and the records
/// that answer an acceptance (journaled in the **same** atomic append as the event) or a rejection (journaled
/// alone). The engine interprets none of them (``FrontEndRecord``).
public struct FrontEndAnswer: Sendable {
    /// The kind and id of the record that answers the request; looked up in the turn: a kept one is returned as it
    /// is and nothing is applied (across restarts: it is in the journal).
    public var kind: String
    public var id: String
    /// Run in the turn, before the event is validated, on the kept records (e.g. "the key is not revoked yet"): an
    /// error it throws is a rejection (answered by ``rejected``).
    public var check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)?
    /// The record answering an acceptance, given the journal sequence of the event (a market batch's last).
    public var accepted: @Sendable (UInt64) -> FrontEndRecord
    /// The record answering a rejection.
    public var rejected: @Sendable (EngineError) -> FrontEndRecord

    public init(kind: String, id: String, check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)? = nil,
                accepted: @escaping @Sendable (UInt64) -> FrontEndRecord,
                rejected: @escaping @Sendable (EngineError) -> FrontEndRecord) {
        self.kind = kind
        self.id = id
        self.check = check
        self.accepted = accepted
        self.rejected = rejected
    }
}

/// What an idempotent submit did.
public enum FrontEndOutcome: Sendable {
    /// The request was answered before: the kept record. Nothing was applied.
    case replayed(FrontEndRecord)
    /// Applied now; the record was journaled in the same atomic append as the event.
    case accepted(Acknowledgement, FrontEndRecord)
    /// Refused (validation or the front end's check): nothing applied; the record was journaled alone.
    case rejected(EngineError, FrontEndRecord)

    /// The record answering the request.
    public var record: FrontEndRecord {
        switch self {
        case .replayed(let r), .accepted(_, let r), .rejected(_, let r): return r
        }
    }
}
