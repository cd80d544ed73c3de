import Foundation
import MarginCore
import MarginLedger

/// The built-in order books of the simulations: for every listed instrument a ladder of five levels a side around
/// its mark, owned by liquidity-provider accounts, wider and thinner for far out-of-the-money and long-dated options
/// (docs/LIQUIDATION.md, "Synthetic books").
///
/// With `m` the mark in the book's price units (``BookLevel``), `T` years to expiry (0 for perpetuals), and for an
/// option `x = |ln(K/F)| / (σ√T)` (its distance from the money in standard deviations; 0 for futures):
/// - widening `w = (1 + x)(1 + T)`, thinning `t = 1 / ((1 + x)²(1 + T))`;
/// - half-spread `h`: futures and perpetuals `m × 5 bp × (1 + T)`; options the largest of one vol point of vega
///   (`vega/100`, in price units), 1% of the premium and a tick of 10⁻⁴ of the underlying, times `w`;
/// - level `k = 0…4`: bid `m − h − k·step`, ask `m + h + k·step`, `step` = `m × 10 bp × (1 + T)` (futures) or `h`
///   (options); bids at or below 0 are left out;
/// - size of level `k`: `(k + 1) × 250,000 USD × t` of notional: coins at the index (options, linear futures and
///   perpetuals, 4 decimal places) or USD (inverse futures and perpetuals, whole dollars);
/// - prices rounded outward (bids down, asks up) to 0.01 USD (USD prices) or 10⁻⁸ coin (inverse options);
/// - level `k` of the `j`-th instrument (by id) is owned by `owners[(j + k) % owners.count]`.
public enum SyntheticBook {
    /// The ladder of `instrument` in `market`, owned by `owners` (`nil` when it cannot be valued or `owners` is empty).
    public static func book(for instrument: Instrument, in market: UnderlyingMarket, owners: [String],
                            ordinal: Int = 0) -> OrderBook? {
        guard !owners.isEmpty, let v = try? InstrumentValuation(instrument: instrument, market: market) else {
            return nil
        }
        let s = market.index
        let years = max(0, v.years)
        let option = instrument.option
        let inverseOption = option != nil && instrument.settlement == .inverse
        let mark = option == nil ? v.forward : (inverseOption ? (v.valueCoin ?? 0) : v.valueUSD)
        var distance = 0.0
        if let c = option, let sigma = v.vol, years > 0 {
            distance = abs(Foundation.log(c.strike / v.forward)) / (sigma * years.squareRoot())
        }
        let widen = (1 + distance) * (1 + years)
        let thin = 1 / ((1 + distance) * (1 + distance) * (1 + years))
        let unit = inverseOption ? 1 / s : 1.0  // USD → price units
        let half: Double
        let step: Double
        if option == nil {
            half = mark * 0.0005 * (1 + years)
            step = mark * 0.001 * (1 + years)
        } else {
            half = max(v.greeks.vega / 100 * unit, 0.01 * mark, 1e-4 * s * unit) * widen
            step = half
        }
        let tick = inverseOption ? 1e-8 : 0.01
        func rounded(_ p: Double, up: Bool) -> Decimal? {
            let ticks = (p / tick).rounded(up ? .up : .down)
            guard ticks.isFinite, ticks > 0, ticks < 1e17 else { return nil }
            return Decimal(Int64(ticks)) * (inverseOption ? Decimal(sign: .plus, exponent: -8, significand: 1)
                                                          : Decimal(sign: .plus, exponent: -2, significand: 1))
        }
        var bids: [BookLevel] = []
        var asks: [BookLevel] = []
        for k in 0..<5 {
            let notional = Double(k + 1) * 250_000 * thin
            let size: Decimal
            if instrument.isSizedByNotional {
                size = Decimal(Int64(notional.rounded(.down)))
            } else {
                size = Decimal(Int64((notional / s * 10_000).rounded(.down))) / 10_000
            }
            guard size > 0 else { continue }
            let owner = owners[(ordinal + k) % owners.count]
            let offset = half + Double(k) * step
            if let p = rounded(mark - offset, up: false), bids.last.map({ $0.price > p }) ?? true {
                bids.append(BookLevel(price: p, size: size, account: owner))
            }
            if let p = rounded(mark + offset, up: true), asks.last.map({ $0.price < p }) ?? true {
                asks.append(BookLevel(price: p, size: size, account: owner))
            }
        }
        let book = OrderBook(bids: bids, asks: asks)
        return (try? book.validate()) == nil ? nil : book
    }

    /// The `book` events that replace every listed instrument's ladder with one around today's marks: what a
    /// simulation journals after each market move, so that liquidity follows the market (a ladder left at
    /// yesterday's prices would sit outside every impact limit).
    public static func events(for state: EngineState, owners: [String]) -> [EngineEvent] {
        books(for: state, owners: owners).sorted { $0.key < $1.key }.map {
            .book(BookUpdate(instrument: $0.key, book: $0.value))
        }
    }

    /// A book for every listed instrument of `state` with a market, owned by `owners`, by instrument id.
    public static func books(for state: EngineState, owners: [String]) -> [String: OrderBook] {
        var out: [String: OrderBook] = [:]
        for (j, id) in state.instruments.keys.sorted().enumerated() {
            guard let instrument = state.instruments[id], let market = state.markets[instrument.underlying],
                  let book = book(for: instrument, in: market, owners: owners, ordinal: j) else { continue }
            out[id] = book
        }
        return out
    }
}
