import MarginCore

/// The front end's records kept in the engine's state (``EngineState/frontEnd``): the newest record per kind and id,
/// permanent ones for good, expiring ones until a later expiring record's time passes their expiry and at most
/// ``capacity`` of them (oldest dropped first). The engine reads none of their bodies.
///
/// A value type; ``apply(_:)`` is deterministic, so replay keeps exactly what the live engine kept.
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

    /// At most this many expiring records are kept (the oldest go first).
    public static let capacity = 100_000

    /// Records without an expiry, by key.
    private var permanent: [Key: FrontEndRecord] = [:]
    /// Expiring records by key, and their keys in journal order (``order``[``head``...]).
    private var expiring: [Key: FrontEndRecord] = [:]
    private var order: [Key] = []
    private var head = 0

    public init() {}

    public var isEmpty: Bool { permanent.isEmpty && expiring.isEmpty }

    /// The kept record of `kind` and `id`, if any.
    public func record(kind: String, id: String) -> FrontEndRecord? {
        let key = Key(kind: kind, id: id)
        return permanent[key] ?? expiring[key]
    }

    /// Every kept record of `kind`: permanent ones by id, then expiring ones in journal order.
    public func records(kind: String) -> [FrontEndRecord] { inOrder.filter { $0.kind == kind } }

    /// Every kept record: permanent ones by kind and id, then expiring ones in journal order (the snapshot's order,
    /// in which applying them again rebuilds this value).
    public var inOrder: [FrontEndRecord] {
        permanent.keys.sorted().compactMap { permanent[$0] } + order[head...].compactMap { expiring[$0] }
    }

    /// Keeps `record`, replacing the one of the same kind and id; an expiring record then drops the expiring records
    /// whose expiry is before its time, and the oldest beyond ``capacity``.
    public mutating func apply(_ record: FrontEndRecord) {
        let key = record.key
        guard record.expires != nil else {
            if expiring[key] != nil { expiring[key] = nil }
            permanent[key] = record
            return
        }
        permanent[key] = nil
        if expiring.updateValue(record, forKey: key) == nil { order.append(key) }
        expire(before: record.time)
        checkInvariants()
    }

    /// Drops expiring records that expire before `cutoff`, and the oldest beyond ``capacity``, in journal order.
    private mutating func expire(before cutoff: Instant) {
        while head < order.count {
            let key = order[head]
            guard let r = expiring[key] else { head += 1; continue }
            guard let expires = r.expires, expires < cutoff || order.count - head > Self.capacity else { break }
            expiring[key] = nil
            head += 1
        }
        if head > 4_096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Debug builds: every expiring record is in the order list, and the list holds nothing else twice.
    package func checkInvariants() {
        #if DEBUG
        assert(head <= order.count, "FrontEndRecords: head past the order list")
        assert(expiring.count <= order.count - head, "FrontEndRecords: an expiring record missing from the order")
        assert(permanent.keys.allSatisfy { expiring[$0] == nil }, "FrontEndRecords: a key both permanent and expiring")
        #endif
    }
}

extension FrontEndRecords: Hashable {
    public static func == (a: FrontEndRecords, b: FrontEndRecords) -> Bool { a.inOrder == b.inOrder }

    public func hash(into hasher: inout Hasher) { hasher.combine(inOrder) }
}
