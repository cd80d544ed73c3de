import MarginCore

/// Typed reads of a statement-format object's members, each error naming the member's path (what the readers of
/// statements, commitments and proofs share).
struct StatementObject {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    func member(_ key: String) throws(StatementError) -> JSONValue {
        guard case .object(let pairs) = value else { throw .malformed(path: path, reason: "must be an object") }
        guard let v = pairs.first(where: { $0.key == key })?.value else {
            throw .malformed(path: "\(path).\(key)", reason: "missing")
        }
        return v
    }

    func string(_ key: String) throws(StatementError) -> String {
        guard case .string(let s) = try member(key) else { throw .malformed(path: "\(path).\(key)", reason: "must be a string") }
        return s
    }

    /// A JSON number that is a non-negative integer below 2⁵³.
    func integer(_ key: String) throws(StatementError) -> Int {
        guard case .number(let d, _) = try member(key), d >= 0, d == d.rounded(), d < 9_007_199_254_740_992 else {
            throw .malformed(path: "\(path).\(key)", reason: "must be a non-negative integer")
        }
        return Int(d)
    }

    /// A decimal string of an unsigned 64-bit integer (no sign, no leading zeros).
    func unsigned(_ key: String) throws(StatementError) -> UInt64 {
        let text = try string(key)
        guard let x = UInt64(text), String(x) == text else {
            throw .malformed(path: "\(path).\(key)", reason: "must be a decimal string below 2^64")
        }
        return x
    }

    func array(_ key: String) throws(StatementError) -> [JSONValue] {
        guard case .array(let items) = try member(key) else { throw .malformed(path: "\(path).\(key)", reason: "must be an array") }
        return items
    }

    /// `{column: decimal string}` for the four commitment columns.
    func columns(_ key: String) throws(StatementError) -> CommitmentColumns {
        let o = StatementObject(try member(key), path: "\(path).\(key)")
        var values: [UInt64] = []
        for name in CommitmentColumns.names { values.append(try o.unsigned(name)) }
        return CommitmentColumns(values: values)
    }

    /// Checks `type` and `version` (1).
    func expectType(_ type: String) throws(StatementError) {
        guard try string("type") == type else { throw .malformed(path: "\(path).type", reason: "must be \"\(type)\"") }
        guard case .number(1, _) = try member("version") else {
            throw .malformed(path: "\(path).version", reason: "must be 1")
        }
    }
}
