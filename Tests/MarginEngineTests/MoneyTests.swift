import Foundation
import Testing
@testable import MarginEngine
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
}
