import MarginCore

// Journals and snapshots written before front-end records were an envelope (format 1) held the service's
// records as events of their own: `apiKey`, `apiKeyRevoked` and `request`, and a snapshot's `service` object
// (`{"keys": {id: fields}, "requests": [fields]}`). They are read here as the envelopes the service writes now, with
// the same kinds and, as body, the old record's fields (canonical JSON, without `"type"`), so that an existing
// journal keeps its keys and its idempotent answers. Nothing of them is interpreted beyond the fields that make the
// envelope: the id, the time, and format 1's retention of an answer (24 hours after its request).

extension FrontEndRecord {
    /// Format 1's event types.
    package static let version1Types: Set<String> = ["apiKey", "apiKeyRevoked", "request"]

    /// Format 1's retention of a request's answer, seconds.
    package static let version1Retention: Int64 = 86_400

    /// Reads a format-1 record of type `type` (one of ``version1Types``) as an envelope.
    package init(version1 node: JSONNode, type: String) throws(InputError) {
        var fields: [(String, JSONValue)] = []
        for (key, child) in try node.object() where key != "type" { fields.append((key, child.value)) }
        let body = JSONValue.sortedObject(fields).serialized(pretty: false)
        switch type {
        case "apiKey":
            self.init(kind: type, id: try node.required("id").string(), time: try node.required("created").instant(),
                      body: body)
        case "apiKeyRevoked":
            self.init(kind: type, id: try node.required("id").string(), time: try node.required("time").instant(),
                      body: body)
        default:
            let time = try node.required("time").instant()
            let scope = try node.required("scope").string()
            self.init(kind: "request", id: Self.requestID(scope: scope, key: try node.required("key").string()),
                      scope: scope, time: time, expires: time.adding(seconds: Self.version1Retention), body: body)
        }
    }

    /// The id of a request's answer: the API key id that sent it and its idempotency key, separated by a space
    /// (neither contains one). The service finds answers by the same id.
    public static func requestID(scope: String, key: String) -> String { scope + " " + key }
}

extension FrontEndRecords {
    /// Reads format 1's snapshot `service` object: its keys (revocations folded in, as that format kept them),
    /// then its answers in journal order.
    package init(version1 node: JSONNode) throws(InputError) {
        self.init()
        for (_, k) in try node.required("keys").object() {
            apply(try FrontEndRecord(version1: k, type: "apiKey"))
        }
        for r in try node.required("requests").array() {
            apply(try FrontEndRecord(version1: r, type: "request"))
        }
    }
}
