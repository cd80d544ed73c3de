import Foundation

/// The arithmetic the ledger's booking rules are written in (``Ledger/booking(quantity:cost:delta:price:value:of:)``,
/// ``Ledger/tradeValue(quantity:price:of:)``, ``LiquidationPricing/fee(_:instrument:indexMoney:futuresRate:optionsRate:)``),
/// so that one formula serves two callers:
/// - `Decimal`, the ledger's: exact, every booked amount rounded to ``Ledger/scale`` places. This is money.
/// - `Double`, the liquidation planner's screen (``LiquidationPlanner/screen(_:_:_:_:_:_:)``): the same formula in
///   binary floating point, to rank dozens of candidate steps before the few that can win are booked exactly. Never
///   booked, never journaled.
package protocol BookingArithmetic: SignedNumeric, Comparable {
    static func / (lhs: Self, rhs: Self) -> Self
    /// `self` at the ledger's scale: ``Ledger/round(_:)`` for `Decimal`; unchanged for `Double` (the screen's
    /// rounding is binary already, and 10⁻¹⁸ is below its resolution).
    var atLedgerScale: Self { get }
}

extension Decimal: BookingArithmetic {
    package var atLedgerScale: Decimal { Ledger.round(self) }
}

extension Double: BookingArithmetic {
    package var atLedgerScale: Double { self }
}
