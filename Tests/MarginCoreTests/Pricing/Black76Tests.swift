import MarginCore
import Testing

@Suite struct Black76Tests {
    /// Haug (2007), Black-76 example: F = 19, K = 19, T = 0.75, r = 0.10, σ = 0.28 → 1.7011 for call and put
    /// (shared/PRICING_VECTORS.md; exact value 1.701050725236268 from QuantLib).
    @Test func haugBlack76Example() {
        for right in OptionRight.allCases {
            let p = Black76.price(forward: 19, strike: 19, years: 0.75, vol: 0.28, rate: 0.10, right: right)
            #expect(abs(p - 1.701050725236268) < 1e-12)
        }
    }
}
