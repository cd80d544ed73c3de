/// The domain of one numeric input field: an interval of finite numbers (open, closed or half-open at each end).
///
/// A field's domain is written once and read by both its file decoder (which names the JSON path) and the
/// `validate()` of the type it belongs to (which names the field), so a value accepted by one is accepted by the
/// other: what the engine journals always decodes again.
///
/// ```swift
/// let rate = NumberDomain(-1, 1, lowerIncluded: true, upperIncluded: true)   // "in [-1, 1]"
/// rate.contains(0.05)    // true
/// rate.contains(.nan)    // false: NaN and ±∞ are never in a domain
/// ```
public struct NumberDomain: Hashable, Sendable {
    public var lower: Double
    public var upper: Double
    public var lowerIncluded: Bool
    public var upperIncluded: Bool
    /// How an error describes the domain: `in (0, 1)` unless given (`a price > 0`).
    public var text: String

    public init(_ lower: Double, _ upper: Double, lowerIncluded: Bool, upperIncluded: Bool, text: String? = nil) {
        self.lower = lower
        self.upper = upper
        self.lowerIncluded = lowerIncluded
        self.upperIncluded = upperIncluded
        self.text = text ?? "in \(lowerIncluded ? "[" : "(")\(NumberDomain.format(lower)), "
            + "\(NumberDomain.format(upper))\(upperIncluded ? "]" : ")")"
    }

    /// `(lower, upper)`.
    public static func open(_ lower: Double, _ upper: Double, text: String? = nil) -> NumberDomain {
        NumberDomain(lower, upper, lowerIncluded: false, upperIncluded: false, text: text)
    }

    /// `[lower, upper]`.
    public static func closed(_ lower: Double, _ upper: Double, text: String? = nil) -> NumberDomain {
        NumberDomain(lower, upper, lowerIncluded: true, upperIncluded: true, text: text)
    }

    /// `[lower, upper)`.
    public static func closedOpen(_ lower: Double, _ upper: Double, text: String? = nil) -> NumberDomain {
        NumberDomain(lower, upper, lowerIncluded: true, upperIncluded: false, text: text)
    }

    /// Whether `x` is a finite number inside the interval.
    @inlinable
    public func contains(_ x: Double) -> Bool {
        x.isFinite && (lowerIncluded ? x >= lower : x > lower) && (upperIncluded ? x <= upper : x < upper)
    }

    /// The error for a value outside the domain at `path`: `"<path>: must be <text>, got <x>"`.
    public func error(_ x: Double, path: String) -> InputError {
        .invalid(path: path, reason: "must be \(text), got \(x)")
    }

    /// Throws ``error(_:path:)`` unless `x` is in the domain.
    @inlinable
    public func check(_ x: Double, path: @autoclosure () -> String) throws(InputError) {
        guard contains(x) else { throw error(x, path: path()) }
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

extension JSONNode {
    /// A number in `domain`; the error names this node's path.
    public func double(in domain: NumberDomain) throws(InputError) -> Double {
        let d = try double()
        try domain.check(d, path: path)
        return d
    }
}
