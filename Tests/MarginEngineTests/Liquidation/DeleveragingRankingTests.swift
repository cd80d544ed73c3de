import MarginEngine
import MarginLedger
import Testing

/// BitMEX's ADL rank on hand-worked positions.
@Suite struct DeleveragingRankingTests {
    /// Three shorts of 1 BTC at a mark of 80,000 (mark value −80,000 each):
    /// - A entered at 100,000 (entry value −100,000): PNL% = (−80,000 + 100,000)/100,000 = +20%; equity 20,000:
    ///   leverage 4, score 0.2 × 4 = 0.8.
    /// - B entered at 90,000: PNL% = 10,000/90,000 = 11.1%; equity 8,000: leverage 10, score 1.111.
    /// - C entered at 70,000 (losing): PNL% = −10,000/70,000 = −14.3%; equity 40,000: leverage 2, score −0.0714.
    /// - D has equity −5 (bankrupt itself): never a candidate. E has no position: never a candidate.
    @Test func profitableLeveragedPositionsGoFirst() {
        let a = DeleveragingRanking.Candidate(account: "A", markValue: -80_000, entryValue: -100_000, accountEquity: 20_000)
        let b = DeleveragingRanking.Candidate(account: "B", markValue: -80_000, entryValue: -90_000, accountEquity: 8_000)
        let c = DeleveragingRanking.Candidate(account: "C", markValue: -80_000, entryValue: -70_000, accountEquity: 40_000)
        let d = DeleveragingRanking.Candidate(account: "D", markValue: -80_000, entryValue: -100_000, accountEquity: -5)
        let e = DeleveragingRanking.Candidate(account: "E", markValue: 0, entryValue: 0, accountEquity: 1_000)
        #expect(abs(a.score - 0.8) < 1e-12)
        #expect(abs(b.score - 10_000.0 / 90_000 * 10) < 1e-12)
        #expect(abs(c.score - (-10_000.0 / 70_000) / 2) < 1e-12)
        #expect(DeleveragingRanking.rank([a, b, c, d, e]).map(\.account) == ["B", "A", "C"])
    }

    @Test func tiesGoByAccountName() {
        let x = DeleveragingRanking.Candidate(account: "x", markValue: 10, entryValue: 5, accountEquity: 10)
        let w = DeleveragingRanking.Candidate(account: "w", markValue: 10, entryValue: 5, accountEquity: 10)
        #expect(DeleveragingRanking.rank([x, w]).map(\.account) == ["w", "x"])
    }
}
