/// The text of a finite `Double` as ECMAScript's `Number.prototype.toString` writes it (ECMA-262 §6.1.6.1.20), which
/// is what RFC 8785 (JSON Canonicalization Scheme, §3.2.2.3) requires of every JSON number.
///
/// The digits are the shortest that round-trip to the same `Double` (Swift's own `description` computes them; when two
/// are equally short the nearer, as ECMAScript asks); the layout is ECMAScript's: plain digits up to 21 integer digits
/// (`295147905179352830000`), `0.000001` down to 10⁻⁶, and `1e+21`, `1e-7`, `1.7976931348623157e+308` beyond;
/// `-0` is `0`.
///
/// ```swift
/// ECMAScriptNumber.text(333333333.33333329)  // "333333333.3333333"
/// ECMAScriptNumber.text(1e30)                // "1e+30"
/// ```
public enum ECMAScriptNumber {
    /// The ECMAScript text of `x`, or `nil` for NaN and the infinities (which JSON cannot carry).
    public static func text(_ x: Double) -> String? {
        guard x.isFinite else { return nil }
        if x == 0 { return "0" }
        let (digits, n) = shortestDigits(abs(x))
        let sign = x < 0 ? "-" : ""
        let k = digits.count
        var out = sign
        if k <= n && n <= 21 {
            out += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(digits.prefix(n)) + "." + String(digits.dropFirst(n))
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let exponent = (e < 0 ? "-" : "+") + String(abs(e))
            out += k == 1 ? digits + "e" + exponent : String(digits.prefix(1)) + "." + String(digits.dropFirst()) + "e" + exponent
        }
        return out
    }

    /// The shortest round-tripping decimal digits `s` of a positive finite `x` (no leading or trailing zeros) and the
    /// position `n` of the decimal point: `x = 0.s × 10ⁿ`, ECMAScript's k digits and n.
    static func shortestDigits(_ x: Double) -> (digits: String, n: Int) {
        precondition(x > 0 && x.isFinite)
        // Swift prints the shortest round-tripping digits, e.g. "1e-07", "123.45", "1.0000000000000001e+23".
        let text = x.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let point = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = point[0]
        let fraction = point.count > 1 ? point[1] : ""
        var digits = Array(integer + fraction)
        var n = integer.count + exponent
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            n -= 1
        }
        while let last = digits.last, last == "0" { digits.removeLast() }
        return (String(digits), n)
    }
}
