import MarginCore

/// RFC 8785 (JSON Canonicalization Scheme): the one byte form of a JSON value that signatures and hashes are taken
/// over, so an independent verifier in any language reproduces the bytes.
///
/// - Objects: members sorted by their keys' UTF-16 code units (RFC 8785 §3.2.3), no whitespace.
/// - Strings: `"` and `\` escaped, U+0008/09/0A/0C/0D as `\b \t \n \f \r`, other controls below U+0020 as `\u00xx`
///   (lowercase hex), everything else as its UTF-8 bytes (`/`, non-ASCII, U+2028 included) (§3.2.2.2).
/// - Numbers: the ECMAScript form of their `Double` value (``ECMAScriptNumber``); the literal text a value was parsed
///   from is ignored (§3.2.2.3). Money and anything that may exceed 2⁵³ belongs in strings (the statements' rule).
/// - `true`, `false`, `null` as themselves.
///
/// Duplicate keys cannot occur (``JSONValue`` keeps keys unique).
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` for a non-finite number (naming its path).
    public static func bytes(_ value: JSONValue) throws(StatementError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, path: "$", into: &out)
        return out
    }

    /// The canonical form as text.
    public static func text(_ value: JSONValue) throws(StatementError) -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, path: String, into out: inout [UInt8]) throws(StatementError) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let d, _):
            guard let text = ECMAScriptNumber.text(d) else {
                throw StatementError.malformed(path: path, reason: "\(d) is not a finite number")
            }
            out += Array(text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, path: "\(path)[\(i)]", into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            let sorted = pairs.sorted { Array($0.key.utf16).lexicographicallyPrecedes(Array($1.key.utf16)) }
            for (i, pair) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(pair.value, path: "\(path).\(pair.key)", into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
