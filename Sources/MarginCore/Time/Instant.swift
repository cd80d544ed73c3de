/// A UTC instant with nanosecond resolution, parsed from and printed as ISO-8601.
///
/// Stored as signed nanoseconds since 1970-01-01T00:00:00Z (covers 1678–2262). Year fractions follow
/// MARGIN_MODEL.md: `seconds / (365 × 86 400)`, no calendar, no leap years.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the Unix epoch (UTC).
    public var nanosecondsSinceEpoch: Int64

    /// Seconds in the year of the model: 365 × 86 400.
    public static let secondsPerYear: Double = 365 * 86_400

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(secondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = secondsSinceEpoch * 1_000_000_000
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// Year fraction from `self` to `later` (negative when `later` is earlier).
    @inlinable
    public func years(until later: Instant) -> Double {
        // The exact difference in nanoseconds; across more than 292 years it overflows Int64, then (only then)
        // the difference of the two as `Double`s: never a trap.
        let (d, overflow) = later.nanosecondsSinceEpoch.subtractingReportingOverflow(nanosecondsSinceEpoch)
        let nanoseconds = overflow ? Double(later.nanosecondsSinceEpoch) - Double(nanosecondsSinceEpoch) : Double(d)
        return nanoseconds / 1e9 / Instant.secondsPerYear
    }

    /// The instant `seconds` later.
    public func adding(seconds: Int64) -> Instant {
        Instant(nanosecondsSinceEpoch: nanosecondsSinceEpoch + seconds * 1_000_000_000)
    }

    public var description: String { iso8601 }
}
