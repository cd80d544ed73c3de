import MarginCore
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
    /// The scope and time of the records it would journal: with both, a request whose scope is full
    /// (``FrontEndRecords/isFull(scope:at:)``) is refused in the turn, nothing journaled (``FrontEndRefusal``).
    public var scope: String?
    public var time: Instant?
    /// Run in the turn, before the event is validated, on the kept records (e.g. "the key is not revoked yet"): an
    /// error it throws is a rejection (answered by ``rejected``).
    public var check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)?
    /// The record answering an acceptance, given the journal sequence of the event (a market batch's last).
    public var accepted: @Sendable (UInt64) -> FrontEndRecord
    /// The record answering a rejection.
    public var rejected: @Sendable (EngineError) -> FrontEndRecord

    public init(kind: String, id: String, scope: String? = nil, time: Instant? = nil,
                check: (@Sendable (FrontEndRecords) throws(EngineError) -> Void)? = nil,
                accepted: @escaping @Sendable (UInt64) -> FrontEndRecord,
                rejected: @escaping @Sendable (EngineError) -> FrontEndRecord) {
        self.kind = kind
        self.id = id
        self.scope = scope
        self.time = time
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
    /// Refused before anything was looked at: nothing applied, nothing journaled (``FrontEndRefusal``).
    case refused(FrontEndRefusal)

    /// The record answering the request (`nil` when refused: there is none).
    public var record: FrontEndRecord? {
        switch self {
        case .replayed(let r), .accepted(_, let r), .rejected(_, let r): return r
        case .refused: return nil
        }
    }
}

/// Why an idempotent request was refused without being recorded (its scope's bound, or its retention).
public enum FrontEndRefusal: Hashable, Sendable {
    /// The request was answered before and its answer forgotten since (``FrontEndRecords/wasForgotten(kind:id:)``):
    /// it is never applied a second time.
    case expired
    /// The request's scope holds ``FrontEndRecords/capacityPerScope`` unexpired answers: nothing is evicted to
    /// make room.
    case scopeFull(capacity: Int)
}
