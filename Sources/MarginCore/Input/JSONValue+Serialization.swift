extension JSONValue {
    /// Deterministic JSON text: keys in the order given, numbers in Swift's shortest round-trip form (non-finite
    /// numbers become `null`), two-space indentation when `pretty`.
    public func serialized(pretty: Bool = true) -> String {
        // UTF-8 bytes first (appending to a String costs ~10× more per character), one conversion at the end.
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, indent: pretty ? 0 : nil)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact text (`serialized(pretty: false)`) as UTF-8 to `bytes`: for writers that stream a large
    /// document and serialize only its small parts as values.
    public func appendSerialized(to bytes: inout [UInt8]) {
        write(into: &bytes, indent: nil)
    }

    /// A number value from a `Double` (`null` when not finite).
    public static func double(_ d: Double) -> JSONValue {
        d.isFinite ? .number(d, literal: JSONValue.format(d)) : .null
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    private func write(into out: inout [UInt8], indent: Int?) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(_, let literal): out += literal.utf8
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                out += "[]".utf8
                return
            }
            let scalarsOnly = items.allSatisfy {
                if case .array = $0 { return false }
                if case .object = $0 { return false }
                return true
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out += (scalarsOnly ? ", " : ",").utf8 }
                if let n = indent, !scalarsOnly { JSONValue.newline(into: &out, depth: n + 1) }
                item.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let n = indent, !scalarsOnly { JSONValue.newline(into: &out, depth: n) }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            if pairs.isEmpty {
                out += "{}".utf8
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let n = indent { JSONValue.newline(into: &out, depth: n + 1) }
                JSONValue.writeString(pair.key, into: &out)
                out += (indent == nil ? ":" : ": ").utf8
                pair.value.write(into: &out, indent: indent.map { $0 + 1 })
            }
            if let n = indent { JSONValue.newline(into: &out, depth: n) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into out: inout [UInt8], depth: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(2 * depth) { out.append(UInt8(ascii: " ")) }
    }

    /// A JSON string literal: `"` and `\` escaped, `\n`, `\r`, `\t` by name, other controls as `\u00xx`,
    /// everything else (UTF-8 included) as is.
    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let utf8 = s.utf8
        let plain = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            // Written in one copy.
        } else if plain == nil, !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += utf8
        } else {
            for b in utf8 {
                switch b {
                case UInt8(ascii: "\""): out += "\\\"".utf8
                case UInt8(ascii: "\\"): out += "\\\\".utf8
                case UInt8(ascii: "\n"): out += "\\n".utf8
                case UInt8(ascii: "\r"): out += "\\r".utf8
                case UInt8(ascii: "\t"): out += "\\t".utf8
                case 0..<0x20:
                    let hex = String(b, radix: 16)
                    out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
