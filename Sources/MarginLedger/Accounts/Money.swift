import Foundation
import MarginCore

/// Exact decimal money and quantities.
///
/// Balances, fill quantities, prices and fees are Foundation `Decimal` (38 significant decimal digits, exact for
/// every amount an exchange quotes). They are converted to `Double` only where a scenario revaluation needs them
/// (``Money/double(_:)``), never for bookkeeping: a deposit of `0.1` followed by ten withdrawals of `0.01` leaves
/// exactly `0`.
public enum Money {
    private static let posix = Locale(identifier: "en_US_POSIX")
    /// The digits of 2¹²⁸ − 1, the largest mantissa a `Decimal` holds.
    private static let maxMantissa = Array("340282366920938463463374607431768211455".utf8)

    /// Parses a decimal literal such as `"-12.5"` or `"1e-8"`; `nil` for anything else: NaN, more than 38
    /// significant digits (which `Decimal` would round), a value outside `Decimal`'s range, more than 256 bytes. Reads
    /// back ``text(_:)`` of every `Decimal` that is not NaN.
    public static func parse(_ text: String) -> Decimal? {
        guard !text.isEmpty, text.utf8.count <= 256 else { return nil }
        // Decimal(string:) accepts a numeric prefix ("12abc"); require the whole text to be a number.
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E || $0 == 0x45 || $0 == 0x65 })
        else { return nil }
        // The significant digits (from the first nonzero digit to the last) must fit Decimal's 128-bit mantissa,
        // or Decimal(string:) would round them.
        let digits = text.utf8.prefix { $0 != 0x45 && $0 != 0x65 }.filter { (0x30...0x39).contains($0) }
        if let first = digits.firstIndex(where: { $0 != 0x30 }), let last = digits.lastIndex(where: { $0 != 0x30 }) {
            let significant = digits[first...last]
            if significant.count > maxMantissa.count { return nil }
            if significant.count == maxMantissa.count, maxMantissa.lexicographicallyPrecedes(significant) { return nil }
        }
        guard let d = Decimal(string: text, locale: Self.posix), !d.isNaN else { return nil }
        return d
    }

    /// The decimal `d`'s text (`String(describing:)`, the shortest that reads back as `d`) denotes: what
    /// `parse(String(describing: d))` gives, built from the text's digits directly (a Double's shortest text has at
    /// most 17 significant digits, so its significand fits 64 bits); `nil` when `d` is not finite.
    public static func decimal(_ d: Double) -> Decimal? {
        guard d.isFinite else { return nil }
        let text = String(describing: d)
        var significand: UInt64 = 0
        var digits = 0
        var scale = 0  // digits after the point
        var exponent = 0
        var fraction = false
        var negative = false
        var bytes = text.utf8.makeIterator()
        while let c = bytes.next() {
            switch c {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): fraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 19 else { return parse(text) }
                significand = significand * 10 + UInt64(c - UInt8(ascii: "0"))
                if significand != 0 { digits += 1 }
                if fraction { scale += 1 }
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var sign = 1
                var e = 0
                while let x = bytes.next() {
                    if x == UInt8(ascii: "-") { sign = -1 } else if x != UInt8(ascii: "+") {
                        e = e * 10 + Int(x) - Int(UInt8(ascii: "0"))
                    }
                }
                exponent = sign * e
            default: return parse(text)
            }
        }
        if significand == 0 { return 0 }
        // Far from Decimal's exponent range (−128…127): the text route decides.
        guard (-100...100).contains(exponent - scale) else { return parse(text) }
        return Decimal(sign: negative ? .minus : .plus, exponent: exponent - scale, significand: Decimal(significand))
    }

    /// The canonical text of `d` (locale-independent, shortest exact form): the journal's representation.
    public static func text(_ d: Decimal) -> String {
        if DecimalLayout.isReadable, let t = DecimalLayout.fastText(d) { return t }
        return d.description
    }

    /// `d` as a `Double`, for scenario revaluation only: the nearest representable value (round half to even),
    /// bit for bit what parsing its text gives.
    ///
    /// Clinger's fast path: when the significand is below 2⁵³ and the decimal exponent within ±22, both the
    /// significand and the power of ten are exact `Double`s, so one IEEE multiply or divide rounds the exact
    /// quotient once, correctly. That covers every price, quantity and most balances the venue quotes, at about a
    /// twentieth of the cost of the text route, which the rest (longer significands, tiny or huge exponents) takes:
    /// the significand's digits read from storage and parsed with the exponent (``DecimalLayout/parsedDouble(_:)``,
    /// the same number as `description` denotes, so the same bits), `description` itself only where the storage
    /// layout is not the one checked.
    public static func double(_ d: Decimal) -> Double {
        if DecimalLayout.isReadable, let v = DecimalLayout.fastPathDouble(d) { return v }
        let e = d.exponent
        if e >= -22, e <= 22, !d.isNaN {
            let s = d.significand
            if s < twoToThe53 {
                // `uint64Value` is exact below 2⁶⁴, so below 2⁵³ the conversion to Double is too.
                let m = Double(NSDecimalNumber(decimal: s).uint64Value)
                let v = e < 0 ? m / powersOfTen[-e] : m * powersOfTen[e]
                return d.sign == .minus ? -v : v
            }
        }
        if DecimalLayout.isReadable { return DecimalLayout.parsedDouble(d) ?? .nan }
        return Double(d.description) ?? .nan
    }

    /// 2⁵³: below it every integer is an exact `Double`.
    package static let twoToThe53Integer: UInt64 = 1 << 53
    /// 2⁵³: below it every integer is an exact `Double`.
    private static let twoToThe53 = Decimal(9_007_199_254_740_992)
    /// 10⁰ … 10²², each exactly representable as a `Double` (the literals are exact).
    package static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                                1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// `d` rounded to `scale` decimal places (banker's rounding), for settlement amounts.
    public static func rounded(_ d: Decimal, scale: Int = 12) -> Decimal {
        var value = d
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .bankers)
        return result
    }
}
