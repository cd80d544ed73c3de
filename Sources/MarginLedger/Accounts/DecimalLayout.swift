import Foundation

/// Reads a Foundation `Decimal`'s fields from its storage, for the fast paths of ``Money/double(_:)`` and
/// ``Money/text(_:)``: the public API reaches the significand only as another `Decimal` (a compare and an
/// `NSDecimalNumber` allocation per conversion, most of the cost of converting a price), and `description` takes
/// about 1.4 µs where formatting a 64-bit significand takes 0.1 µs (every amount of every journaled event).
///
/// The storage is `NSDecimal`'s 20 bytes: byte 0 the exponent (`Int8`); byte 1 the mantissa's length in 16-bit words
/// (high nibble), the sign (bit 3) and the compact flag (bit 2); bytes 4…19 the mantissa, eight little-endian 16-bit
/// words. That layout is not API, so it is checked once per process (``isReadable``) against the public accessors on
/// values that exercise every field; where it does not hold, ``Money/double(_:)`` takes its public-API route. Both
/// routes give the same bits and the same text (`MoneyTests`).
package enum DecimalLayout {
    /// Whether the layout above holds in this process's Foundation.
    package static let isReadable: Bool = {
        guard MemoryLayout<Decimal>.size == 20 else { return false }
        let samples: [Decimal] = [0, 1, -1, Decimal(65_535), Decimal(65_536), Decimal(UInt64.max),
                                  Decimal(string: "340282366920938463463374607431768211455") ?? 0,
                                  Decimal(string: "-1.2345678901234567890123456789012345678") ?? 0,
                                  Decimal(sign: .minus, exponent: -7, significand: Decimal(123_456_789)),
                                  Decimal(sign: .plus, exponent: 22, significand: Decimal(4_294_967_297))]
        for d in samples {
            guard let (negative, exponent, words) = fields(d) else { return false }
            var significand: Decimal = 0
            for w in words.reversed() { significand = significand * 65_536 + Decimal(w) }
            let rebuilt = Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: significand)
            guard rebuilt == d, d.isZero || (exponent == d.exponent && negative == (d.sign == .minus)),
                  fastText(d).map({ $0 == d.description }) ?? true else {
                return false
            }
        }
        return true
    }()

    /// The sign, the exponent and the mantissa's 16-bit words (least significant first) read from storage; `nil`
    /// for NaN (length 0 with the sign set).
    private static func fields(_ d: Decimal) -> (negative: Bool, exponent: Int, words: [UInt16])? {
        withUnsafeBytes(of: d) { raw in
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            guard length <= 8, !(length == 0 && negative) else { return nil }
            let words = (0..<length).map { raw.loadUnaligned(fromByteOffset: 4 + 2 * $0, as: UInt16.self) }
            return (negative, Int(Int8(bitPattern: raw[0])), words)
        }
    }

    /// ``Money/double(_:)`` by Clinger's fast path when it applies (a significand below 2⁵³, an exponent within
    /// ±22), read from storage; `nil` otherwise (NaN, longer significands, other exponents). Call only when
    /// ``isReadable``.
    @inline(__always)
    package static func fastPathDouble(_ d: Decimal) -> Double? {
        withUnsafeBytes(of: d) { raw -> Double? in
            let flags = raw[1]
            let length = Int(flags >> 4)
            guard length <= 4 else { return nil }
            let negative = flags & 0x08 != 0
            if length == 0 { return negative ? nil : 0 }
            let e = Int(Int8(bitPattern: raw[0]))
            guard e >= -22, e <= 22 else { return nil }
            var m: UInt64 = 0
            for i in 0..<length {
                m |= UInt64(raw.loadUnaligned(fromByteOffset: 4 + 2 * i, as: UInt16.self)) << (16 * i)
            }
            guard m < Money.twoToThe53Integer else { return nil }
            let x = Double(m)
            let v = e < 0 ? x / Money.powersOfTen[-e] : x * Money.powersOfTen[e]
            return negative ? -v : v
        }
    }

    /// ``Money/double(_:)`` for the decimals Clinger's fast path does not take (a significand of 2⁵³ or more, up
    /// to the full 128 bits, e.g. a balance after a division; or an exponent beyond ±22): the significand's digits
    /// formatted from storage and parsed as `digits e exponent` (correctly rounded, as parsing `description` is:
    /// the same number, so the same bits) without `description`'s digit-by-digit decimal division; `nil` for NaN.
    /// Call only when ``isReadable``.
    package static func parsedDouble(_ d: Decimal) -> Double? {
        withUnsafeBytes(of: d) { raw -> Double? in
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            if length == 0 { return negative ? nil : 0 }
            guard length <= 8 else { return nil }
            let e = Int(Int8(bitPattern: raw[0]))
            let text = (negative ? "-" : "") + String(significand(raw, length: length)) + "e" + String(e)
            return Double(text)
        }
    }

    /// The significand (up to eight 16-bit words, least significant first) read from storage.
    @inline(__always)
    private static func significand(_ raw: UnsafeRawBufferPointer, length: Int) -> UInt128 {
        var m: UInt128 = 0
        for i in 0..<length {
            m |= UInt128(raw.loadUnaligned(fromByteOffset: 4 + 2 * i, as: UInt16.self)) << (16 * i)
        }
        return m
    }

    /// ``Money/text(_:)`` (`description`'s format: the significand's digits with the decimal point placed by the
    /// exponent, no exponent notation, no trailing fractional zeros since Foundation keeps its decimals compact)
    /// for a compact decimal (a significand of up to 128 bits); `nil` otherwise (NaN, not compact). Call only when
    /// ``isReadable``.
    package static func fastText(_ d: Decimal) -> String? {
        withUnsafeBytes(of: d) { raw -> String? in
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            if length == 0 { return negative ? nil : "0" }
            guard length <= 8, flags & 0x04 != 0 else { return nil }
            let e = Int(Int8(bitPattern: raw[0]))
            var digits: String
            if length <= 4 {
                var m: UInt64 = 0
                for i in 0..<length {
                    m |= UInt64(raw.loadUnaligned(fromByteOffset: 4 + 2 * i, as: UInt16.self)) << (16 * i)
                }
                digits = String(m)
            } else {
                digits = String(significand(raw, length: length))
            }
            if e > 0 {
                digits += String(repeating: "0", count: e)
            } else if e < 0 {
                let n = digits.utf8.count
                if n > -e {
                    digits.insert(".", at: digits.index(digits.startIndex, offsetBy: n + e))
                } else {
                    digits = "0." + String(repeating: "0", count: -e - n) + digits
                }
            }
            return negative ? "-" + digits : digits
        }
    }
}
