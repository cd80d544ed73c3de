/// An account's health state (MARGIN_MODEL.md, checked in this order).
///
/// - `healthy`: equity ≥ IM.
/// - `restricted`: IM > equity ≥ MM: reduce-only, warning.
/// - `takeover`: equity < takeoverRatio·MM or equity ≤ 0: the backstop takes the account over.
/// - `liquidation`: otherwise: positions are reduced.
public enum Health: String, Hashable, Sendable, CaseIterable, Comparable {
    case healthy
    case restricted
    case liquidation
    case takeover

    /// Classifies an account; all amounts in USD.
    public init(equity: Double, initialMargin: Double, maintenanceMargin: Double, takeoverRatio: Double) {
        if equity >= initialMargin {
            self = .healthy
        } else if equity >= maintenanceMargin {
            self = .restricted
        } else if equity < takeoverRatio * maintenanceMargin || equity <= 0 {
            self = .takeover
        } else {
            self = .liquidation
        }
    }

    private var severity: Int { Health.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: Health, b: Health) -> Bool { a.severity < b.severity }
}
