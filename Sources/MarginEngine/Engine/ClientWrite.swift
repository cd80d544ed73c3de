import MarginLedger

/// A client write the engine gathers into group-commit batches (``RiskEngine/submitWrites(_:)``): a deposit, a
/// withdrawal or a trade, answered idempotently when ``answer`` is given (its record journaled in the same batch,
/// right after the event).
public struct ClientWrite: Sendable {
    public var event: EngineEvent
    public var answer: FrontEndAnswer?

    public init(_ event: EngineEvent, answering answer: FrontEndAnswer? = nil) {
        self.event = event
        self.answer = answer
    }

    /// Whether `event` is a client write the engine gathers (deposits, withdrawals, trades): the events that change
    /// only the accounts they name, so a batch of them is committed ahead of its append and rolled back exactly.
    public static func isGathered(_ event: EngineEvent) -> Bool {
        switch event {
        case .deposit, .withdrawal, .trade: return true
        default: return false
        }
    }
}

/// What one gathered write came to, once its batch is durable.
public enum ClientWriteOutcome: Sendable {
    /// Applied and durable. The acknowledgement's health changes and follow-ups are its batch's (journaled in the
    /// same append, and after it); the record answers an idempotent write.
    case accepted(Acknowledgement, FrontEndRecord?)
    /// Refused by validation (or the front end's check): nothing of it applied; the rejection's record (an
    /// idempotent write's) is durable.
    case rejected(EngineError, FrontEndRecord?)
    /// Answered before (a kept record, or one journaled earlier in the same batch): nothing applied.
    case replayed(FrontEndRecord)
    /// Refused before anything was looked at (its answer forgotten since, or its scope full): nothing applied,
    /// nothing journaled (``FrontEndRefusal``).
    case refused(FrontEndRefusal)
}

/// The client writes waiting for the next group-commit batch, FIFO, as groups (one submitter's writes, answered
/// together). Owned by ``RiskEngine`` on its thread.
struct WriteGathering {
    typealias Waiter = CheckedContinuation<[Result<ClientWriteOutcome, EngineError>], Never>

    struct Group {
        var writes: [ClientWrite]
        var waiter: Waiter
    }

    private(set) var groups: [Group] = []
    /// Whether a drain is running (it takes batches until nothing waits).
    var draining = false

    var isEmpty: Bool { groups.isEmpty }

    mutating func append(_ group: Group) { groups.append(group) }

    /// The next batch: whole groups in arrival order, at least one, until `maxWrites` writes (a group larger than
    /// that is a batch of its own: callers split theirs, ``RiskEngine/submitWrites(_:)``).
    mutating func next(maxWrites: Int) -> [Group] {
        var count = 0
        var n = 0
        while n < groups.count, n == 0 || count + groups[n].writes.count <= maxWrites {
            count += groups[n].writes.count
            n += 1
        }
        let taken = Array(groups.prefix(n))
        groups.removeFirst(n)
        return taken
    }

    /// Every waiting group (refused together when the engine stops acknowledging).
    mutating func takeAll() -> [Group] {
        defer { groups = [] }
        return groups
    }
}
