extension JSONValue {
    /// Deterministic JSON text: keys in the order given, numbers in Swift's shortest round-trip form (non-finite
    /// numbers become `null`), two-space indentation when `pretty`.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    /// A number value from a `Double` (`null` when not finite).
    public static func double(_ d: Double) -> JSONValue {
        d.isFinite ? .number(d, literal: JSONValue.format(d)) : .null
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(_, let literal): out += literal
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            let scalarsOnly = items.allSatisfy {
                if case .array = $0 { return false }
                if case .object = $0 { return false }
                return true
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += scalarsOnly ? ", " : "," }
                if let n = indent, !scalarsOnly { out += "\n" + String(repeating: "  ", count: n + 1) }
                item.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let n = indent, !scalarsOnly { out += "\n" + String(repeating: "  ", count: n) }
            out += "]"
        case .object(let pairs):
            if pairs.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                if let n = indent { out += "\n" + String(repeating: "  ", count: n + 1) }
                JSONValue.writeString(pair.key, into: &out)
                out += indent == nil ? ":" : ": "
                pair.value.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let n = indent { out += "\n" + String(repeating: "  ", count: n) }
            out += "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
