import MarginCore
import MarginLedger

/// The service's journaled records as the engine keeps them: front-end envelopes (``FrontEndRecord``) whose bodies
/// only the service reads. Kinds: `apiKey` (a key, by id, kept for good), `apiKeyRevoked` (its revocation, by id,
/// kept for good) and `request` (an idempotent answer, by ``FrontEndRecord/requestID(scope:key:)``, kept for
/// ``RequestRecord/retention``). Bodies are the records' fields as canonical JSON, the same fields the journal's
/// format 1 held, so that journals written before the envelope read back the same.
enum ServiceRecords {
    static let apiKey = "apiKey"
    static let apiKeyRevoked = "apiKeyRevoked"
    static let request = "request"

    /// Every key journaled in `records`, by id, revocations folded in.
    static func keys(in records: FrontEndRecords) -> [String: APIKeyRecord] {
        var keys: [String: APIKeyRecord] = [:]
        for r in records.records(kind: apiKey) {
            if let k = try? APIKeyRecord(body: r.body) { keys[k.id] = k }
        }
        for r in records.records(kind: apiKeyRevoked) {
            guard let v = try? APIKeyRevocation(body: r.body), keys[v.id] != nil, keys[v.id]?.revoked == nil else {
                continue
            }
            keys[v.id]?.revoked = v.time
        }
        return keys
    }

    /// The key `id` journaled in `records`, if any (revocation folded in).
    static func key(_ id: String, in records: FrontEndRecords) -> APIKeyRecord? {
        guard let r = records.record(kind: apiKey, id: id), var k = try? APIKeyRecord(body: r.body) else { return nil }
        if k.revoked == nil, let v = records.record(kind: apiKeyRevoked, id: id),
           let revocation = try? APIKeyRevocation(body: v.body) {
            k.revoked = revocation.time
        }
        return k
    }

    /// The kept answer to the request `key` sent by `scope`, if any.
    static func request(scope: String, key: String, in records: FrontEndRecords) -> RequestRecord? {
        records.record(kind: request, id: FrontEndRecord.requestID(scope: scope, key: key))
            .flatMap { try? RequestRecord(body: $0.body) }
    }

    /// A body's canonical JSON text.
    static func body(_ pairs: [(String, JSONValue)]) -> String { JSONValue.sortedObject(pairs).serialized(pretty: false) }

    /// Parses a body.
    static func node(_ body: String) throws(InputError) -> JSONNode { try JSONNode.parse(body) }
}

extension APIKeyRecord {
    /// The key as a front-end record (kept for good).
    var frontEndRecord: FrontEndRecord {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)), ("role", .string(role)), ("salt", .string(salt)), ("hash", .string(hash)),
            ("createdBy", .string(createdBy)), ("created", .instant(created)),
        ]
        if let account { pairs.append(("account", .string(account))) }
        if let revoked { pairs.append(("revoked", .instant(revoked))) }
        return FrontEndRecord(kind: ServiceRecords.apiKey, id: id, time: created, body: ServiceRecords.body(pairs))
    }

    init(body: String) throws(InputError) {
        let node = try ServiceRecords.node(body)
        self.init(id: try node.required("id").string(), role: try node.required("role").string(),
                  account: try node.optional("account")?.string(), salt: try node.required("salt").string(),
                  hash: try node.required("hash").string(), createdBy: try node.required("createdBy").string(),
                  created: try node.required("created").instant(), revoked: try node.optional("revoked")?.instant())
    }
}

extension APIKeyRevocation {
    /// The revocation as a front-end record (kept for good).
    var frontEndRecord: FrontEndRecord {
        let pairs: [(String, JSONValue)] = [("id", .string(id)), ("by", .string(by)), ("time", .instant(time))]
        return FrontEndRecord(kind: ServiceRecords.apiKeyRevoked, id: id, time: time, body: ServiceRecords.body(pairs))
    }

    init(body: String) throws(InputError) {
        let node = try ServiceRecords.node(body)
        self.init(id: try node.required("id").string(), by: try node.required("by").string(),
                  time: try node.required("time").instant())
    }
}

extension RequestRecord {
    /// The answer as a front-end record of the API key's scope, kept for ``retention``.
    var frontEndRecord: FrontEndRecord {
        var pairs: [(String, JSONValue)] = [
            ("scope", .string(scope)), ("key", .string(key)), ("fingerprint", .string(fingerprint)),
            ("status", .string(String(status))), ("time", .instant(time)),
        ]
        if let sequence { pairs.append(("sequence", .string(String(sequence)))) }
        if let error { pairs.append(("error", .string(error))) }
        if let detail { pairs.append(("detail", .string(detail))) }
        return FrontEndRecord(kind: ServiceRecords.request, id: FrontEndRecord.requestID(scope: scope, key: key),
                              scope: scope, time: time, expires: time.adding(seconds: Self.retention),
                              body: ServiceRecords.body(pairs))
    }

    init(body: String) throws(InputError) {
        let node = try ServiceRecords.node(body)
        func integer(_ key: String) throws(InputError) -> UInt64? {
            guard let n = try node.optional(key) else { return nil }
            guard let v = UInt64(try n.string()) else { throw InputError.invalid(path: n.path, reason: "not an integer") }
            return v
        }
        guard let status = try integer("status"), status <= 999 else {
            throw InputError.invalid(path: "\(node.path).status", reason: "not an HTTP status")
        }
        self.init(scope: try node.required("scope").string(), key: try node.required("key").string(),
                  fingerprint: try node.required("fingerprint").string(), status: Int(status),
                  sequence: try integer("sequence"), error: try node.optional("error")?.string(),
                  detail: try node.optional("detail")?.string(), time: try node.required("time").instant())
    }
}
