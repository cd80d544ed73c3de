/// Bad input, with the place it was found: a JSON path (`$.underlyings.BTC.index`), a position
/// (`$.positions[3].strike`) or a command-line option (`--strike`).
///
/// Every decoder and validator in the core throws this and nothing else; none traps on any input.
public enum InputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not JSON. `line` and `column` are 1-based.
    case malformedJSON(line: Int, column: Int, reason: String)
    /// A required field is absent (or `null`).
    case missing(path: String)
    /// A field has the wrong JSON type.
    case wrongType(path: String, expected: String, found: String)
    /// A field has a value outside its domain.
    case invalid(path: String, reason: String)
    /// An object repeats a key.
    case duplicateKey(path: String, key: String)
    /// An underlying or currency the market does not know.
    case unknownUnderlying(path: String, name: String)

    /// Where the problem is.
    public var path: String {
        switch self {
        case .malformedJSON(let line, let column, _): return "line \(line), column \(column)"
        case .missing(let path), .wrongType(let path, _, _), .invalid(let path, _), .duplicateKey(let path, _),
            .unknownUnderlying(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .malformedJSON(let line, let column, let reason):
            return "malformed JSON at line \(line), column \(column): \(reason)"
        case .missing(let path): return "\(path): required field is missing"
        case .wrongType(let path, let expected, let found): return "\(path): expected \(expected), found \(found)"
        case .invalid(let path, let reason): return "\(path): \(reason)"
        case .duplicateKey(let path, let key): return "\(path): key \"\(key)\" appears more than once"
        case .unknownUnderlying(let path, let name): return "\(path): unknown underlying \"\(name)\""
        }
    }

    /// The same error with its path placed under `prefix` (e.g. a file name or `--market`).
    public func prefixed(_ prefix: String) -> InputError {
        switch self {
        case .malformedJSON(let line, let column, let reason):
            return .malformedJSON(line: line, column: column, reason: "\(prefix): \(reason)")
        case .missing(let path): return .missing(path: "\(prefix): \(path)")
        case .wrongType(let path, let e, let f): return .wrongType(path: "\(prefix): \(path)", expected: e, found: f)
        case .invalid(let path, let r): return .invalid(path: "\(prefix): \(path)", reason: r)
        case .duplicateKey(let path, let k): return .duplicateKey(path: "\(prefix): \(path)", key: k)
        case .unknownUnderlying(let path, let n): return .unknownUnderlying(path: "\(prefix): \(path)", name: n)
        }
    }
}
