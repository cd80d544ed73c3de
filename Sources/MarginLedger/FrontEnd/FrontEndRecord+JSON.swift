import MarginCore

extension FrontEndRecord {
    /// The envelope's fields beside the journal's `"type": "frontEnd"` (keys sorted by the caller); the body as a
    /// JSON string, never parsed by the engine.
    package var jsonFields: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("kind", .string(kind)), ("id", .string(id)), ("time", .instant(time)), ("body", .string(body)),
        ]
        if let expires { pairs.append(("expires", .instant(expires))) }
        if let scope { pairs.append(("scope", .string(scope))) }
        return pairs
    }

    /// Decodes an envelope (a journal record of type `frontEnd`, or an entry of the snapshot's `frontEnd` list).
    package init(json node: JSONNode) throws(InputError) {
        self.init(kind: try node.required("kind").string(), id: try node.required("id").string(),
                  scope: try node.optional("scope")?.string(), time: try node.required("time").instant(),
                  expires: try node.optional("expires")?.instant(), body: try node.required("body").string())
    }
}

extension FrontEndRecords {
    /// The snapshot's `frontEnd` list: every kept record in ``inOrder``.
    package var json: JSONValue { .array(inOrder.map { JSONCoding.object($0.jsonFields) }) }

    /// The snapshot's `frontEndForgotten` list: the digests of forgotten records (``forgottenDigests``), as hex.
    package var forgottenJSON: JSONValue { .array(forgottenDigests.map { .string($0.hex) }) }

    /// Reads the snapshot's `frontEnd` list, and its `frontEndForgotten` list when present (snapshots written
    /// before it have none).
    package init(json node: JSONNode, forgotten: JSONNode? = nil) throws(InputError) {
        self.init()
        for d in try forgotten?.array() ?? [] {
            guard let digest = ForgottenDigest(hex: try d.string()) else {
                throw InputError.invalid(path: d.path, reason: "not a 32-digit hex digest")
            }
            remember(digest)
        }
        for r in try node.array() { apply(try FrontEndRecord(json: r)) }
    }
}
