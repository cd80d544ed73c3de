/// A JSON value together with its path from the document root, with typed accessors whose errors name that path.
public struct JSONNode: Sendable {
    public let value: JSONValue
    /// e.g. `$.positions[2].strike`.
    public let path: String

    public init(_ value: JSONValue, path: String = "$") {
        self.value = value
        self.path = path
    }

    /// Parses `text` and returns its root node.
    public static func parse(_ text: String) throws(InputError) -> JSONNode { JSONNode(try JSONParser.parse(text)) }

    /// Parses UTF-8 `bytes` and returns its root node.
    public static func parse(_ bytes: [UInt8]) throws(InputError) -> JSONNode { JSONNode(try JSONParser.parse(bytes)) }

    private func wrongType(_ expected: String) -> InputError {
        .wrongType(path: path, expected: expected, found: value.typeName)
    }

    /// The object's fields in document order.
    public func object() throws(InputError) -> [(key: String, node: JSONNode)] {
        guard case .object(let pairs) = value else { throw wrongType("an object") }
        return pairs.map { ($0.key, JSONNode($0.value, path: "\(path).\($0.key)")) }
    }

    /// The array's elements.
    public func array() throws(InputError) -> [JSONNode] {
        guard case .array(let items) = value else { throw wrongType("an array") }
        return items.enumerated().map { JSONNode($1, path: "\(path)[\($0)]") }
    }

    /// The field `key`, or `nil` when absent or `null`.
    public func optional(_ key: String) throws(InputError) -> JSONNode? {
        guard case .object(let pairs) = value else { throw wrongType("an object") }
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .null = v { return nil }
        return JSONNode(v, path: "\(path).\(key)")
    }

    /// The field `key`; throws ``InputError/missing(path:)`` when absent or `null`.
    public func required(_ key: String) throws(InputError) -> JSONNode {
        guard let node = try optional(key) else { throw InputError.missing(path: "\(path).\(key)") }
        return node
    }

    public func string() throws(InputError) -> String {
        guard case .string(let s) = value else { throw wrongType("a string") }
        return s
    }

    /// A finite number.
    public func double() throws(InputError) -> Double {
        guard case .number(let d, _) = value else { throw wrongType("a number") }
        return d
    }

    /// The number's literal text, for exact decimal parsing.
    public func numberLiteral() throws(InputError) -> String {
        guard case .number(_, let literal) = value else { throw wrongType("a number") }
        return literal
    }

    /// A finite number satisfying `condition` (described as `domain` in the error).
    public func double(where condition: (Double) -> Bool, _ domain: String) throws(InputError) -> Double {
        let d = try double()
        guard condition(d) else { throw InputError.invalid(path: path, reason: "must be \(domain), got \(d)") }
        return d
    }

    /// A number > 0.
    public func positiveDouble() throws(InputError) -> Double { try double(where: { $0 > 0 }, "a number > 0") }

    /// An integer-valued number.
    public func integer() throws(InputError) -> Int {
        let d = try double()
        guard d == d.rounded(), abs(d) < 1e15 else { throw InputError.invalid(path: path, reason: "must be an integer") }
        return Int(d)
    }

    public func bool() throws(InputError) -> Bool {
        guard case .bool(let b) = value else { throw wrongType("a boolean") }
        return b
    }

    /// An ISO-8601 UTC instant string.
    public func instant() throws(InputError) -> Instant {
        let s = try string()
        guard let t = Instant(iso8601: s) else {
            throw InputError.invalid(path: path, reason: "\"\(s)\" is not an ISO-8601 instant like 2026-03-27T08:00:00Z")
        }
        return t
    }

    /// A string naming a case of `E`.
    public func enumeration<E: RawRepresentable & CaseIterable>(_: E.Type) throws(InputError) -> E
    where E.RawValue == String {
        let s = try string()
        guard let e = E(rawValue: s) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw InputError.invalid(path: path, reason: "\"\(s)\" is not one of \(allowed)")
        }
        return e
    }
}
