import MarginLedger
import MarginCore

/// Fail closed (docs/ENGINE.md): what the book can and cannot price, for validation and for the engine's reads.
extension RiskBook {
    /// Why `instrument` cannot be priced in `market` (its risk array, liquidation cost, SOM, value and forward all
    /// finite), or `nil` when it can: a listing is refused in the first case. Prices it once into scratch memory;
    /// nothing in the book changes.
    func unpriceable(_ instrument: Instrument, in market: UnderlyingMarket) -> String? {
        do {
            _ = try InstrumentValuation(instrument: instrument, market: market)
        } catch {
            return error.description
        }
        let n = calculator.scenarios.count
        let figures = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n, 1)) { row in
            row.initialize(repeating: 0)
            return Self.price(instrument, market: market, calculator: calculator, into: row)
        }
        return figures == nil ? "its risk array is not finite" : nil
    }

    /// The ids of the listed options of `underlying`, sorted.
    func listedOptions(of underlying: String) -> [String] {
        guard let u = underlyingSlot[underlying] else { return [] }
        return instrumentsOf[u].filter { isOption[Int($0)] }.map { instrumentIds[Int($0)] }.sorted()
    }

    /// The ids of the listed instruments whose risk array could not be computed in the current markets (after
    /// bringing every array up to date), sorted.
    func unpricedInstruments() -> [String] {
        var out: [String] = []
        for u in 0..<underlyingCount {
            refreshArrays(u)
            for slot in instrumentsOf[u] where invalid[Int(slot)] { out.append(instrumentIds[Int(slot)]) }
        }
        return out.sorted()
    }
}
