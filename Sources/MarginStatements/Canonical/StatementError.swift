/// Why a statement, a commitment, a proof or a key could not be made or did not verify. Every case names what it is
/// about (a JSON path such as `$.result.maintenanceMargin`, a file, a column), so a verifier's report points at it.
public enum StatementError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input is not a well-formed object of the expected type (exit 2 in `margin verify`).
    case malformed(path: String, reason: String)
    /// The object is well-formed but does not verify: a bad signature, a recomputed figure that differs, a proof that
    /// does not reach the root (exit 1).
    case invalid(path: String, reason: String)
    /// A key file that cannot be created, read or trusted.
    case key(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let path, let reason): return "\(path): \(reason)"
        case .invalid(let path, let reason): return "\(path): \(reason)"
        case .key(let path, let reason): return "key \(path): \(reason)"
        }
    }

    /// Whether the input was malformed (as opposed to well-formed but not valid).
    public var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }
}
