import Foundation
import MarginCore

extension ServiceEvent {
    /// The event's fields beside `"type"` in its journal payload (keys sorted by the caller).
    var jsonFields: [(String, JSONValue)] {
        switch self {
        case .apiKey(let k): return k.jsonFields
        case .apiKeyRevoked(let r):
            return [("id", .string(r.id)), ("by", .string(r.by)), ("time", .instant(r.time))]
        case .request(let r): return r.jsonFields
        }
    }

    /// Decodes the payload of a record of type `type` (`apiKey`, `apiKeyRevoked`, `request`).
    init(json node: JSONNode, type: String) throws(EngineError) {
        self = try JSONCoding.decode { () throws(InputError) -> ServiceEvent in
            switch type {
            case "apiKey": return .apiKey(try APIKeyRecord(json: node))
            case "apiKeyRevoked":
                return .apiKeyRevoked(APIKeyRevocation(id: try node.required("id").string(),
                                                       by: try node.required("by").string(),
                                                       time: try node.required("time").instant()))
            default: return .request(try RequestRecord(json: node))
            }
        }
    }

    /// The journal types of service events.
    static let types: Set<String> = ["apiKey", "apiKeyRevoked", "request"]
}

extension APIKeyRecord {
    var jsonFields: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)), ("role", .string(role)), ("salt", .string(salt)), ("hash", .string(hash)),
            ("createdBy", .string(createdBy)), ("created", .instant(created)),
        ]
        if let account { pairs.append(("account", .string(account))) }
        if let revoked { pairs.append(("revoked", .instant(revoked))) }
        return pairs
    }

    init(json node: JSONNode) throws(InputError) {
        self.init(id: try node.required("id").string(), role: try node.required("role").string(),
                  account: try node.optional("account")?.string(), salt: try node.required("salt").string(),
                  hash: try node.required("hash").string(), createdBy: try node.required("createdBy").string(),
                  created: try node.required("created").instant(), revoked: try node.optional("revoked")?.instant())
    }
}

extension RequestRecord {
    var jsonFields: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("scope", .string(scope)), ("key", .string(key)), ("fingerprint", .string(fingerprint)),
            ("status", .string(String(status))), ("time", .instant(time)),
        ]
        if let sequence { pairs.append(("sequence", .string(String(sequence)))) }
        if let error { pairs.append(("error", .string(error))) }
        if let detail { pairs.append(("detail", .string(detail))) }
        return pairs
    }

    init(json node: JSONNode) throws(InputError) {
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

extension ServiceState {
    /// The snapshot's `service` object: keys by id, kept answers in journal order.
    var json: JSONValue {
        JSONCoding.object([
            ("keys", JSONCoding.object(keys.map { ($0.key, JSONCoding.object($0.value.jsonFields)) })),
            ("requests", .array(requestsInOrder.map { JSONCoding.object($0.jsonFields) })),
        ])
    }

    init(json node: JSONNode) throws(InputError) {
        self.init()
        for (_, k) in try node.required("keys").object() { apply(.apiKey(try APIKeyRecord(json: k))) }
        for r in try node.required("requests").array() { apply(.request(try RequestRecord(json: r))) }
    }
}
