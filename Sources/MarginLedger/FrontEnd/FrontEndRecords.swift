import MarginCore

/// The front end's records kept in the engine's state (``EngineState/frontEnd``): the newest record per kind and id,
/// permanent ones for good, expiring ones until a later expiring record's time passes their expiry. The engine reads
/// none of their bodies.
///
/// **Bounds, without shared eviction**: an expiring record is never dropped before its expiry. Each ``FrontEndRecord/scope``
/// (e.g. one API key) holds at most ``capacityPerScope`` of them; a new one beyond that is refused by the engine
/// (``isFull(scope:at:)``, checked in the request's turn, nothing journaled), so no scope can push another's records
/// out. A forgotten record leaves a 16-byte digest of its kind and id (``ForgottenDigest``, kept for good: 16 bytes
/// per forgotten record), so that a request answered before and forgotten since is recognized (``wasForgotten(kind:id:)``)
/// and refused rather than applied a second time.
///
/// A value type; ``apply(_:)`` is deterministic and reads only the records' own times (journal time), so replay
/// keeps and forgets exactly what the live engine did; the snapshot writes the records and the digests.
public struct FrontEndRecords: Sendable {
    /// A record's kind and id.
    public struct Key: Hashable, Sendable, Comparable {
        public var kind: String
        public var id: String

        public init(kind: String, id: String) {
            self.kind = kind
            self.id = id
        }

        public static func < (a: Key, b: Key) -> Bool { (a.kind, a.id) < (b.kind, b.id) }
    }

    /// At most this many unexpired expiring records per scope.
    public static let capacityPerScope = 100_000

    /// Records without an expiry, by key.
    private var permanent: [Key: FrontEndRecord] = [:]
    /// Expiring records by key, and their keys in journal order (``order``[``head``...]).
    private var expiring: [Key: FrontEndRecord] = [:]
    private var order: [Key] = []
    private var head = 0
    /// Kept expiring records per scope (`""` for records without one).
    private var perScope: [String: Int] = [:]
    /// Digests of forgotten expiring records.
    private var forgotten: Set<ForgottenDigest> = []

    public init() {}

    public var isEmpty: Bool { permanent.isEmpty && expiring.isEmpty && forgotten.isEmpty }

    /// The kept record of `kind` and `id`, if any.
    public func record(kind: String, id: String) -> FrontEndRecord? {
        let key = Key(kind: kind, id: id)
        return permanent[key] ?? expiring[key]
    }

    /// Whether a record of `kind` and `id` was kept and has been forgotten since (its expiry passed).
    public func wasForgotten(kind: String, id: String) -> Bool {
        forgotten.contains(ForgottenDigest(kind: kind, id: id))
    }

    /// Whether `scope` holds ``capacityPerScope`` expiring records that a record at `time` would not forget: a new
    /// expiring record of the scope is then refused.
    public func isFull(scope: String?, at time: Instant) -> Bool {
        let name = scope ?? ""
        let kept = perScope[name] ?? 0
        guard kept >= Self.capacityPerScope else { return false }
        var expired = 0
        var i = head
        while i < order.count, kept - expired >= Self.capacityPerScope {
            guard let r = expiring[order[i]] else { i += 1; continue }
            guard let expires = r.expires, expires < time else { break }
            if (r.scope ?? "") == name { expired += 1 }
            i += 1
        }
        return kept - expired >= Self.capacityPerScope
    }

    /// How many expiring records `scope` holds now.
    public func count(scope: String?) -> Int { perScope[scope ?? ""] ?? 0 }

    /// Every kept record of `kind`: permanent ones by id, then expiring ones in journal order.
    public func records(kind: String) -> [FrontEndRecord] { inOrder.filter { $0.kind == kind } }

    /// Every kept record: permanent ones by kind and id, then expiring ones in journal order (the snapshot's order,
    /// in which applying them again rebuilds this value).
    public var inOrder: [FrontEndRecord] {
        permanent.keys.sorted().compactMap { permanent[$0] } + order[head...].compactMap { expiring[$0] }
    }

    /// The digests of forgotten records, sorted (the snapshot's order).
    public var forgottenDigests: [ForgottenDigest] { forgotten.sorted() }

    /// Keeps `record`, replacing the one of the same kind and id; an expiring record then forgets the expiring
    /// records whose expiry is before its time (remembering their digests). Never drops an unexpired record.
    public mutating func apply(_ record: FrontEndRecord) {
        let key = record.key
        guard record.expires != nil else {
            if let old = expiring.removeValue(forKey: key) { perScope[old.scope ?? "", default: 1] -= 1 }
            permanent[key] = record
            return
        }
        permanent[key] = nil
        if let old = expiring.updateValue(record, forKey: key) {
            perScope[old.scope ?? "", default: 1] -= 1
        } else {
            order.append(key)
        }
        perScope[record.scope ?? "", default: 0] += 1
        expire(before: record.time)
        checkInvariants()
    }

    /// Adds a forgotten record's digest (a snapshot's list).
    mutating func remember(_ digest: ForgottenDigest) { forgotten.insert(digest) }

    /// Forgets expiring records that expire before `cutoff`, in journal order, remembering their digests.
    private mutating func expire(before cutoff: Instant) {
        while head < order.count {
            let key = order[head]
            guard let r = expiring[key] else { head += 1; continue }
            guard let expires = r.expires, expires < cutoff else { break }
            expiring[key] = nil
            let scope = r.scope ?? ""
            let left = (perScope[scope] ?? 1) - 1
            perScope[scope] = left > 0 ? left : nil
            forgotten.insert(ForgottenDigest(kind: key.kind, id: key.id))
            head += 1
        }
        if head > 4_096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Debug builds: every expiring record is in the order list, the list holds nothing else twice, and the
    /// per-scope counts add up to the expiring records.
    package func checkInvariants() {
        #if DEBUG
        assert(head <= order.count, "FrontEndRecords: head past the order list")
        assert(expiring.count <= order.count - head, "FrontEndRecords: an expiring record missing from the order")
        assert(permanent.keys.allSatisfy { expiring[$0] == nil }, "FrontEndRecords: a key both permanent and expiring")
        assert(perScope.values.reduce(0, +) == expiring.count, "FrontEndRecords: per-scope counts do not add up")
        #endif
    }
}

extension FrontEndRecords: Hashable {
    public static func == (a: FrontEndRecords, b: FrontEndRecords) -> Bool {
        a.inOrder == b.inOrder && a.forgotten == b.forgotten
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(inOrder)
        hasher.combine(forgotten.count)
    }
}
