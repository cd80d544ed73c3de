import MarginCore
import Testing

/// The one pre-trade rule (`PreTradeRule`), on hand-worked figures.
@Suite struct PreTradeRuleTests {
    func figures(_ equity: Double, im: Double, mm: Double) -> MarginFigures {
        MarginFigures(equity: equity, initialMargin: im, maintenanceMargin: mm)
    }

    @Test func equityCoveringInitialMarginAfterIsAccepted() {
        // Risk doubles, but equity 1,000 ≥ IM 900 after: accepted whatever happened before.
        let d = PreTradeRule.evaluate(before: figures(1_000, im: 450, mm: 346), after: figures(1_000, im: 900, mm: 692))
        #expect(d == .init(accepted: true, reason: .coversInitialMargin, shortfall: 0))
        // Exactly at IM counts as covered.
        #expect(PreTradeRule.evaluate(before: figures(0, im: 0, mm: 0), after: figures(900, im: 900, mm: 692)).accepted)
    }

    @Test func belowInitialMarginIsAcceptedOnlyWhenRiskFallsAndTheShortfallDoesNotGrow() {
        let before = figures(800, im: 1_300, mm: 1_000)  // excess −500
        // MM 1,000 → 900, excess −500 → −370: risk-reducing.
        let reducing = PreTradeRule.evaluate(before: before, after: figures(800, im: 1_170, mm: 900))
        #expect(reducing == .init(accepted: true, reason: .reducesRisk, shortfall: 0))
        // MM falls but the premium paid lowers excess (−500 → −520): rejected with shortfall 1,170 − 650 = 520.
        let overpaid = PreTradeRule.evaluate(before: before, after: figures(650, im: 1_170, mm: 900))
        #expect(overpaid == .init(accepted: false, reason: .belowInitialMargin, shortfall: 520))
        // Excess unchanged and MM unchanged: not risk-reducing.
        #expect(!PreTradeRule.evaluate(before: before, after: before).accepted)
        // Excess improves but MM rises (a deposit-like premium from selling more): rejected.
        #expect(!PreTradeRule.evaluate(before: before, after: figures(1_000, im: 1_430, mm: 1_100)).accepted)
    }

    @Test func aWithdrawalNeedsEquityAboveInitialMarginAfter() {
        // A withdrawal leaves MM unchanged and lowers equity: only "covers IM" can accept it.
        let before = figures(2_000, im: 1_300, mm: 1_000)
        #expect(PreTradeRule.evaluate(before: before, after: figures(1_300, im: 1_300, mm: 1_000)).accepted)
        let d = PreTradeRule.evaluate(before: before, after: figures(1_299, im: 1_300, mm: 1_000))
        #expect(!d.accepted && d.shortfall == 1)
    }

    @Test func aNaNFigureRejects() {
        let d = PreTradeRule.evaluate(before: figures(1, im: 1, mm: 1), after: figures(.nan, im: 1, mm: 0.5))
        #expect(!d.accepted)
        #expect(d.shortfall == .infinity)
    }
}
