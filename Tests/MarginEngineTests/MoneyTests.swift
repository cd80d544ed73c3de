import Foundation
import Testing
@testable import MarginEngine
import MarginSimulation

/// Exact decimal money: parsing is strict, text round-trips, arithmetic is exact.
@Suite struct MoneyTests {
    @Test("decimal literals parse; anything else (prefixes, separators, NaN, other digits, > 64 bytes) does not")
    func parsing() {
        #expect(Money.parse("-12.5") == Decimal(string: "-12.5"))
        #expect(Money.parse("1e-8") == Decimal(string: "0.00000001"))
        #expect(Money.parse("+3") == 3)
        #expect(Money.parse("100000.123456789012345678") == Decimal(string: "100000.123456789012345678"))
        for bad in ["", "12abc", "NaN", "nan", "1,5", " 1", "1 ", "٣", "0x10", "1_000",
                    String(repeating: "1", count: 65)] {
            #expect(Money.parse(bad) == nil, "\(bad)")
        }
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
