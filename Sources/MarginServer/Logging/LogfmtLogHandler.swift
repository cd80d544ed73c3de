import Foundation
import Logging

/// The service's log lines, one per record, in logfmt: `ts=… level=… logger=… msg="…" key=value …`, keys sorted.
///
/// Every value goes through ``quote(_:)``: a value holding a space, `=`, a quote, a backslash or a control character
/// is quoted and escaped, so nothing a client sends (a header, a key, a path) can forge a field or a line
/// (`Authorization: Bearer mk.abc reason=ok status=200` is logged as one quoted value). Writes to standard error.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public init(label: String) {
        self.init(label: label) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A handler handing each line (newline included) to `sink`.
    public init(label: String, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        if let error = event.error { all["error"] = "\(error)" }
        var fields = ["ts=\(Self.timestamp())", "level=\(event.level)", "logger=\(Self.quote(label))",
                      "msg=\(Self.quote(event.message.description))"]
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            fields.append("\(Self.quoteKey(key))=\(Self.quote(Self.text(value)))")
        }
        sink(fields.joined(separator: " ") + "\n")
    }

    /// `value` as a logfmt value: bare when it is non-empty and holds only printable ASCII other than space, `=`,
    /// `"` and `\`; otherwise quoted, with `"` and `\` escaped and control characters as `\n`, `\r`, `\t` or
    /// `\u{…}`.
    public static func quote(_ value: String) -> String {
        let bare = !value.isEmpty && value.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value < 0x7F && $0 != "=" && $0 != "\"" && $0 != "\\"
        }
        if bare { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .format:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A metadata key: as written when it is a plain name, else quoted (keys are ours, but never trusted blindly).
    static func quoteKey(_ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_"
        }
        return plain ? key : quote(key)
    }

    /// A metadata value as text: strings as they are, lists and dictionaries in brackets.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return "[" + a.map(text).joined(separator: ", ") + "]"
        case .dictionary(let d):
            return "[" + d.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    private static func timestamp() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }
}
