import MarginCore

extension FrontEndRecord {
    /// The envelope's fields beside the journal's `"type": "frontEnd"` (keys sorted by the caller); the body as a
    /// JSON string, never parsed by the engine.
    package var jsonFields: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [
            ("kind", .string(kind)), ("id", .string(id)), ("time", .instant(time)), ("body", .string(body)),
        ]
        if let expires { pairs.append(("expires", .instant(expires))) }
        return pairs
    }

    /// Decodes an envelope (a journal record of type `frontEnd`, or an entry of the snapshot's `frontEnd` list).
    package init(json node: JSONNode) throws(InputError) {
        self.init(kind: try node.required("kind").string(), id: try node.required("id").string(),
                  time: try node.required("time").instant(), expires: try node.optional("expires")?.instant(),
                  body: try node.required("body").string())
    }
}

extension FrontEndRecords {
    /// The snapshot's `frontEnd` list: every kept record in ``inOrder``.
    package var json: JSONValue { .array(inOrder.map { JSONCoding.object($0.jsonFields) }) }

    /// Reads the snapshot's `frontEnd` list.
    package init(json node: JSONNode) throws(InputError) {
        self.init()
        for r in try node.array() { apply(try FrontEndRecord(json: r)) }
    }
}
