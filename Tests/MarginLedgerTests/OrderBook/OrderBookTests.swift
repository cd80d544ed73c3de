import Foundation
import MarginLedger
import Testing

/// The order book ladder: depth within an impact limit, sweeps, consumption, cost against the mark, validation.
@Suite struct OrderBookTests {
    static func d(_ s: String) -> Decimal { Decimal(string: s) ?? .nan }

    /// Bids 99 × 2, 98 × 3, 95 × 10; asks 101 × 1, 102 × 4. Mark 100.
    static let book = OrderBook(
        bids: [BookLevel(price: 99, size: 2, account: "lp-a"), BookLevel(price: 98, size: 3, account: "lp-b"),
               BookLevel(price: 95, size: 10, account: "lp-a")],
        asks: [BookLevel(price: 101, size: 1, account: "lp-a"), BookLevel(price: 102, size: 4, account: "lp-b")])

    @Test func depthWithinAnImpactLimitCountsOnlyLevelsInsideIt() {
        // 2% below a mark of 100: the bids at 99 and 98 (2 + 3), not 95.
        #expect(Self.book.depth(.sell, within: 98) == 5)
        #expect(Self.book.depth(.sell, within: Self.d("98.5")) == 2)
        #expect(Self.book.depth(.buy, within: 101) == 1)
        #expect(Self.book.depth(.buy, within: 1_000) == 5)
    }

    @Test func aSweepTakesTheBestLevelsFirstAndStopsAtTheLimit() {
        let fills = Self.book.sweep(.sell, quantity: 4, within: 95)
        #expect(fills == [.init(price: 99, size: 2, account: "lp-a"), .init(price: 98, size: 2, account: "lp-b")])
        // Cost against the mark 100: 1 × 2 + 2 × 2 = 6.
        #expect(OrderBook.slippage(of: fills, mark: 100) == 6)
        let thin = Self.book.sweep(.buy, quantity: 9, within: 101)
        #expect(thin == [.init(price: 101, size: 1, account: "lp-a")], "a thin book fills less, never past the limit")
    }

    @Test func consumingFillsShrinksAndRemovesLevels() {
        let fills = Self.book.sweep(.sell, quantity: 4, within: 95)
        let after = Self.book.consuming(fills, side: .sell)
        #expect(after.bids == [BookLevel(price: 98, size: 1, account: "lp-b"), BookLevel(price: 95, size: 10, account: "lp-a")])
        #expect(after.asks == Self.book.asks)
    }

    @Test func validationNamesTheLevel() throws {
        try Self.book.validate()
        var crossed = Self.book
        crossed.bids[0].price = 101
        #expect(throws: EngineError.invalid(field: "bids[0].price", reason: "best bid 101 is not below best ask 101")) {
            try crossed.validate()
        }
        var unordered = Self.book
        unordered.asks[1].price = 100
        #expect(throws: EngineError.invalid(field: "asks[1].price", reason: "asks must be strictly ascending")) {
            try unordered.validate()
        }
        var empty = Self.book
        empty.bids[2].size = 0
        #expect(throws: EngineError.invalid(field: "bids[2].size", reason: "must be > 0")) { try empty.validate() }
    }
}
