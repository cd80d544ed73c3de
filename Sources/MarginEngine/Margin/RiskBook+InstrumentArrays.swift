import Foundation
import MarginCore
import MarginLedger

extension RiskBook {
    /// Recomputes instrument `slot`'s risk array if its underlying's market changed since.
    @inline(__always)
    func ensureFresh(_ slot: Int) {
        let u = Int(instrumentUnderlying[slot])
        if arrayVersion[slot] != marketVersion[u] { computeArray(slot, underlying: u) }
    }

    /// Recomputes every stale instrument array of underlying `u`; returns how many it priced.
    @discardableResult
    func refreshArrays(_ u: Int) -> Int {
        ensureFresh(slots: instrumentsOf[u])
    }

    /// Recomputes the stale arrays of underlying `u` that some account holds (``heldCount``); returns how many it
    /// priced. What a pass needs: nothing reads an array no account holds before ``ensureFresh(_:)`` has priced it.
    @discardableResult
    func refreshHeldArrays(_ u: Int) -> Int {
        ensureFresh(slots: instrumentsOf[u].filter { heldCount[Int($0)] > 0 })
    }

    func computeArray(_ slot: Int, underlying u: Int) {
        let rs = rowStride
        let n = stride
        let instrument = instruments[slot]
        let market = markets[u]
        let calculator = self.calculator
        let figures = pnl.withUnsafeMutableBufferPointer { out in
            Self.price(instrument, market: market, calculator: calculator,
                       into: UnsafeMutableBufferPointer(rebasing: out[(slot * rs)..<(slot * rs + n)]))
        }
        install(slot, underlying: u, figures)
    }

    /// Writes instrument `instrument`'s P&L row in `market` into `row` and returns its per-unit figures (pure;
    /// `nil` when it cannot be priced: no market, pricing throws, or any P&L value or figure is not finite).
    static func price(_ instrument: Instrument, market: UnderlyingMarket?, calculator: MarginCalculator,
                      into row: UnsafeMutableBufferPointer<Double>) -> InstrumentRiskArray.Figures?
    {
        guard let market,
              let figures = try? InstrumentRiskArray.revalue(instrument, in: market, scenarios: calculator.scenarios,
                                                             parameters: calculator.parameters, into: row)
        else { return nil }
        // Every value finite. Branch-free and vectorizable: a double is NaN or ±∞ exactly when its 11 exponent bits
        // are all ones, i.e. when exponent + 1 sets bit 11; OR-ing that over the row is an integer reduction.
        var exponents: UInt64 = 0
        for i in 0..<calculator.scenarios.count { exponents |= ((row[i].bitPattern >> 52) & 0x7FF) &+ 1 }
        let v = figures.valuation
        let finite = exponents & 0x800 == 0 && v.valueUSD.isFinite && v.forward.isFinite
            && figures.liquidationCostPerUnit.isFinite && figures.shortOptionMinimumPerUnit.isFinite
        return finite ? figures : nil
    }

    /// Records a freshly priced row's per-unit figures (the row itself is already in ``pnl``).
    func install(_ slot: Int, underlying u: Int, _ figures: InstrumentRiskArray.Figures?) {
        arrayVersion[slot] = marketVersion[u]
        guard let figures else {
            invalid[slot] = true
            valuations[slot] = nil
            return
        }
        invalid[slot] = false
        valuations[slot] = figures.valuation
        liquidationPerUnit[slot] = figures.liquidationCostPerUnit
        somPerUnit[slot] = figures.shortOptionMinimumPerUnit
        valuePerUnit[slot] = figures.valuation.valueUSD
        forward[slot] = figures.valuation.forward
    }
}
