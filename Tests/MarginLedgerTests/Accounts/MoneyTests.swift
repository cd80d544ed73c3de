import Foundation
import Testing
@testable import MarginLedger
import MarginSimulation

/// Exact decimal money: parsing is strict, text round-trips, arithmetic is exact.
@Suite struct MoneyTests {
    @Test("decimal literals parse; anything else (prefixes, separators, NaN, other digits, a mantissa beyond 128 bits, out of range, > 256 bytes) does not")
    func parsing() {
        #expect(Money.parse("-12.5") == Decimal(string: "-12.5"))
        #expect(Money.parse("1e-8") == Decimal(string: "0.00000001"))
        #expect(Money.parse("+3") == 3)
        #expect(Money.parse("100000.123456789012345678") == Decimal(string: "100000.123456789012345678"))
        #expect(Money.parse("0.0" + String(repeating: "0", count: 80) + "12345678901234567890123456789012345678") != nil)
        #expect(Money.parse("100512.000000000000000000000000601664832") != nil, "39 digits that fit 128 bits")
        for bad in ["", "12abc", "NaN", "nan", "1,5", " 1", "1 ", "٣", "0x10", "1_000", "1e-200", "1e200",
                    "340282366920938463463374607431768211456", String(repeating: "1", count: 40), String(repeating: "1", count: 65),
                    "0." + String(repeating: "0", count: 255) + "1"] {
            #expect(Money.parse(bad) == nil, "\(bad)")
        }
    }

    /// The journal writes balances that arithmetic produced (38 digits, tiny or large exponents): every `Decimal`
    /// that is not NaN must read back exactly, whatever the length of its text.
    @Test("the text of every Decimal, down to exponent -128 and up to +127, parses back to it exactly")
    func extremeTextRoundTrips() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<500 {
            let digits = (0..<Int(1 + rng.next() % 38)).map { _ in String(rng.next() % 10) }.joined()
            let exponent = Int(rng.next() % 200) - 128
            guard let d = Decimal(string: "\(rng.unit() < 0.5 ? "-" : "")1\(digits.dropFirst())e\(exponent)"),
                  !d.isNaN else { continue }
            #expect(Money.parse(Money.text(d)) == d, "\(Money.text(d))")
        }
        let third = Decimal(1) / Decimal(3)
        #expect(Money.parse(Money.text(third)) == third)
    }

    @Test("text round-trips exactly and a deposit of 0.1 less ten withdrawals of 0.01 is exactly 0")
    func exactness() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2_000 {
            let units = Decimal(Int(rng.next() % 2_000_000_000)) - 1_000_000_000
            let scale = Decimal(string: "1e-\(rng.next() % 12)") ?? 1
            let d = units * scale
            #expect(Money.parse(Money.text(d)) == d)
            #expect(Money.double(d) == Double(Money.text(d)))
        }
        var balance = Decimal(string: "0.1")!
        for _ in 0..<10 { balance -= Decimal(string: "0.01")! }
        #expect(balance == 0)
        #expect(Money.text(balance) == "0")
    }

    /// The fast path (significand < 2⁵³, exponent within ±22) and the text route agree bit for bit, on both sides of
    /// each bound, for random significands of every length and exponents from -30 to +30.
    @Test("Money.double is the correctly rounded Double of the decimal: bit-identical to parsing its text")
    func doubleIsCorrectlyRounded() throws {
        var rng = SplitMix64(seed: 17)
        var fast = 0
        for _ in 0..<20_000 {
            let length = Int(1 + rng.next() % 20)
            let digits = (0..<length).map { i in String(i == 0 ? 1 + rng.next() % 9 : rng.next() % 10) }.joined()
            let exponent = Int(rng.next() % 61) - 30
            let text = "\(rng.unit() < 0.5 ? "-" : "")\(digits)e\(exponent)"
            var d = try #require(Decimal(string: text))
            // Full-length significands too (a balance after a division: up to 38 digits, 128 bits).
            if rng.next() % 3 == 0 { d = d / 7 }
            let expected = try #require(Double(d.description))
            #expect(Money.double(d).bitPattern == expected.bitPattern, "\(text)")
            if length <= 15, abs(d.exponent) <= 22 { fast += 1 }
        }
        #expect(fast > 5_000, "the fast path was exercised")
        let bounds = ["9007199254740991", "9007199254740992", "9007199254740993", "9007199254740993e-22",
                      "9007199254740993e22", "1e22", "1e23", "1e-22", "1e-23", "123456789e-22", "0.1", "-0.1", "0",
                      "-2.5e-8", "18446744073709551621", "18446744073709551621e-10", "340282366920938463463374607431768211455",
                      "340282366920938463463374607431768211455e-128", "340282366920938463463374607431768211455e90",
                      "-0.33333333333333333333333333333333333333", "1e-128", "9e127"]
        for text in bounds {
            let d = try #require(Decimal(string: text))
            #expect(Money.double(d).bitPattern == (try #require(Double(d.description))).bitPattern, "\(text)")
        }
        #expect(Money.double(0) == 0 && Money.double(Decimal.nan).isNaN)
    }

    @Test("the storage fast paths are live on this toolchain, and Money.text is Decimal's description for every decimal")
    func textIsDescription() throws {
        #expect(DecimalLayout.isReadable, "the Decimal layout check passes here, so the fast paths are exercised")
        var rng = SplitMix64(seed: 23)
        var fast = 0
        for i in 0..<40_000 {
            let length = Int(1 + rng.next() % 24)
            let digits = (0..<length).map { i in String(i == 0 ? 1 + rng.next() % 9 : rng.next() % 10) }.joined()
            let exponent = Int(rng.next() % 61) - 40
            var d = try #require(Decimal(string: "\(rng.unit() < 0.5 ? "-" : "")\(digits)e\(exponent)"))
            switch i % 4 {
            case 1: d = d * Decimal(string: "1.25")! - Decimal(string: "0.001")!
            case 2: d = Money.rounded(d, scale: Int(rng.next() % 13))
            case 3: d = d / 7
            default: break
            }
            if DecimalLayout.fastText(d) != nil { fast += 1 }
            #expect(Money.text(d) == d.description, "\(d)")
        }
        #expect(fast > 10_000, "the fast path was exercised (\(fast))")
        for d: Decimal in [0, 1, -1, Decimal(string: "0.000")!, Decimal(string: "-0.01")!, Decimal(UInt64.max),
                           Decimal(string: "1e30")!, Decimal(string: "1.5e-20")!, Decimal.nan] {
            #expect(Money.text(d) == d.description)
        }
    }

    @Test("Money.decimal of a Double is the decimal its shortest text denotes, as parsing that text gives")
    func decimalOfDouble() {
        var rng = SplitMix64(seed: 29)
        for i in 0..<20_000 {
            let scale = Foundation.pow(10.0, Double(Int(rng.next() % 40) - 20))
            let x = (rng.unit() - 0.5) * scale * (i % 3 == 0 ? 1 : 123_456.789)
            #expect(Money.decimal(x) == Money.parse(String(describing: x)), "\(x)")
        }
        for x in [0.0, -0.0, 1, -1, 0.1, 1e-7, 5e-324, 1.7976931348623157e308, 1e20, 1e22, 123456789012345678.0,
                  -2.5e-8, 9007199254740993] {
            #expect(Money.decimal(x) == Money.parse(String(describing: x)), "\(x)")
        }
        #expect(Money.decimal(.nan) == nil && Money.decimal(.infinity) == nil)
    }
}
