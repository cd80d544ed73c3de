extension JSONValue {
    /// An object with its keys sorted (`String`'s `<`): the canonical form of every document the project writes for
    /// machines (journal payloads, snapshots), so equal values always give equal text.
    public static func sortedObject(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.sorted { $0.0 < $1.0 }.map { (key: $0.0, value: $0.1) })
    }

    /// An instant as ISO-8601 text (``Instant/iso8601``), which ``JSONNode/instant()`` reads back exactly.
    public static func instant(_ t: Instant) -> JSONValue { .string(t.iso8601) }
}
