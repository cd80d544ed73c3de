import MarginLedger
import Foundation
import MarginCore

/// The prices a liquidation reads, shared by the planner and validation so that both compute the same figures bit
/// for bit from the same journaled state: an instrument's mark in its book's price units, the impact-limit price,
/// the liquidation fee (exact) and the execution cost against the mark (USD).
///
/// Units: futures and perpetuals and linear options are priced in USD per coin; inverse options in coins per coin
/// (``BookLevel``). Marks come from the core's ``InstrumentValuation`` in the underlying's journaled market (the same
/// function the risk arrays price with).
struct LiquidationPricing {
    let state: EngineState

    /// What the planner reads of one instrument, priced once per plan (``valuation(of:)``).
    struct Priced {
        var instrument: Instrument
        var valuation: InstrumentValuation
        /// The underlying's index, USD per coin.
        var index: Double
        /// ``LiquidationPricing/mark(_:_:)``, in the book's price units.
        var mark: Double
    }

    /// ``valuation(of:)`` with the figures derived from it.
    func priced(_ id: String) -> Priced? {
        guard let (instrument, v, index) = valuation(of: id) else { return nil }
        return Priced(instrument: instrument, valuation: v, index: index, mark: Self.mark(instrument, v))
    }

    /// The value of one unit now.
    func valuation(of id: String) -> (instrument: Instrument, valuation: InstrumentValuation, index: Double)? {
        guard let instrument = state.instruments[id], let market = state.markets[instrument.underlying],
              let v = try? InstrumentValuation(instrument: instrument, market: market) else { return nil }
        return (instrument, v, market.index)
    }

    /// The mark in the book's price units: the futures or perpetual price; a linear option's USD value; an inverse
    /// option's coin value.
    static func mark(_ instrument: Instrument, _ v: InstrumentValuation) -> Double {
        guard instrument.option != nil else { return v.forward }
        return instrument.settlement == .linear ? v.valueUSD : (v.valueCoin ?? v.valueUSD / v.forward)
    }

    /// The worst price a step on `side` may fill at: `mark·(1 ∓ impact)` for futures and perpetuals; for options
    /// `mark ∓ impact·F` (USD) or `mark ∓ impact·F/S` (inverse, coins per coin): the limit is a fraction of the
    /// underlying's price, because a fraction of a far out-of-the-money premium is no room at all.
    static func limit(_ side: OrderBook.Side, mark: Double, instrument: Instrument, valuation v: InstrumentValuation,
                      index: Double, impact: Double) -> Double {
        let room: Double
        if instrument.option == nil {
            room = mark * impact
        } else {
            room = instrument.settlement == .linear ? impact * v.forward : impact * v.forward / index
        }
        return side == .sell ? mark - room : mark + room
    }

    /// Whether a level's price is within `limit` for a taker on `side`.
    static func within(_ price: Decimal, _ side: OrderBook.Side, limit: Double) -> Bool {
        within(Money.double(price), side, limit: limit)
    }

    /// ``within(_:_:limit:)`` of a price already read as a `Double` (``Money/double(_:)``).
    static func within(_ price: Double, _ side: OrderBook.Side, limit: Double) -> Bool {
        side == .sell ? price >= limit : price <= limit
    }

    /// `d` as a `Decimal` rounded to `places` decimal places (a mark or an index read as money).
    static func decimal(_ d: Double, places: Int) -> Decimal {
        guard let parsed = Money.decimal(d) else { return 0 }
        return Money.rounded(parsed, scale: places)
    }

    /// The liquidation fee of `fills`, exact, in the instrument's settlement currency: futures and perpetuals
    /// `futuresFeeRate × Σ value` (USD notional `Σ q·p` for linear, coins `Σ N/p` for inverse); options
    /// `optionsFeeRate × Σ|q| × index` (USD, linear) or `optionsFeeRate × Σ|q|` (coins, inverse). Rounded once.
    static func fee(_ fills: [OrderBook.Execution], instrument: Instrument, index: Double,
                    settings: LiquidationSettings) -> Decimal {
        // Only a linear option's fee reads the index (and its text conversion is slow).
        let indexMoney = instrument.option != nil && instrument.settlement == .linear ? feeIndex(index) : 0
        return fee(fills, instrument: instrument, indexMoney: indexMoney, settings: settings)
    }

    /// ``fee(_:instrument:index:settings:)`` with the index already read as money (``feeIndex(_:)``), for a caller
    /// that prices many candidate fills in one market.
    static func fee(_ fills: [OrderBook.Execution], instrument: Instrument, indexMoney: Decimal,
                    settings: LiquidationSettings) -> Decimal {
        fee(fills.map { (price: $0.price, size: $0.size) }, instrument: instrument, indexMoney: indexMoney,
            futuresRate: settings.futuresFeeRate, optionsRate: settings.optionsFeeRate)
    }

    /// The fee formula of ``fee(_:instrument:index:settings:)`` in either arithmetic (``BookingArithmetic``): exact
    /// for the ledger, `Double` for the planner's screen.
    static func fee<T: BookingArithmetic>(_ fills: [(price: T, size: T)], instrument: Instrument, indexMoney: T,
                                          futuresRate: T, optionsRate: T) -> T {
        var base: T = 0
        if instrument.option == nil {
            for f in fills {
                base += Ledger.tradeValue(quantity: f.size, price: f.price, sizedByNotional: instrument.isSizedByNotional)
            }
            return (futuresRate * base).atLedgerScale
        }
        for f in fills { base += f.size }
        if instrument.settlement == .linear { base *= indexMoney }
        return (optionsRate * base).atLedgerScale
    }

    /// The index as the options fee reads it: USD per coin, 8 decimal places.
    static func feeIndex(_ index: Double) -> Decimal { decimal(index, places: 8) }

    /// What executing `fills` costs against the mark, USD: `Σ|p − mark|·q` (linear), `Σ N·|1/p − 1/mark|·S`
    /// (inverse futures and perpetuals), `Σ|p − mark|·q·S` (inverse options). `Double`: it ranks actions.
    static func slippage(_ fills: [OrderBook.Execution], instrument: Instrument, mark: Double,
                         index: Double) -> Double {
        slippage(fills.map { (price: Money.double($0.price), size: Money.double($0.size)) }, instrument: instrument,
                 mark: mark, index: index)
    }

    /// ``slippage(_:instrument:mark:index:)`` of fills read as `Double`s (``Money/double(_:)``).
    static func slippage(_ fills: [(price: Double, size: Double)], instrument: Instrument, mark: Double,
                         index: Double) -> Double {
        if instrument.isSizedByNotional {
            var cost = 0.0
            for f in fills { cost += f.size * abs(1 / f.price - 1 / mark) * index }
            return cost
        }
        let cost = OrderBook.slippage(of: fills, mark: mark)
        return instrument.settlement == .linear ? cost : cost * index
    }

    /// A fee in USD (coins at the index).
    static func usd(_ amount: Decimal, instrument: Instrument, index: Double) -> Double {
        usd(Money.double(amount), instrument: instrument, index: index)
    }

    /// ``usd(_:instrument:index:)`` of a fee already read as a `Double`.
    static func usd(_ amount: Double, instrument: Instrument, index: Double) -> Double {
        instrument.settlement == .linear ? amount : amount * index
    }
}
