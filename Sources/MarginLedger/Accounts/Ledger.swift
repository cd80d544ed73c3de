import Foundation
import MarginCore

/// The booking rules of the exchange's ledger: every trade has two sides, every amount both sides need is computed
/// once, and every amount booked is at ``scale`` decimal places (docs/LIQUIDATION.md, "The ledger").
///
/// The conserved sums, per currency, over every account (system accounts included):
/// - USD: `Σ balance − Σ cost` of linear futures and perpetuals;
/// - each coin: `Σ balance + Σ cost` of inverse futures and perpetuals on it;
/// - other stablecoins: `Σ balance`.
/// A trade changes one side's sum by `−W` (linear: `W = ±round(q·price)`) or `+X` (inverse: `X = ±round(q/price)`) and
/// the other side's by the opposite, exactly; premiums and fees move between balances; an expiry's rounding residue
/// goes to the fee account. So the sums change only by deposits and withdrawals, exactly in `Decimal` (as long as
/// no sum needs more than 38 significant digits: magnitudes below 10²⁰ at 18 places).
public enum Ledger {
    /// Decimal places of every amount the ledger books (ETH's 18: one wei).
    public static let scale = 18

    /// `d` at the ledger's scale (banker's rounding: symmetric, so `round(−x) = −round(x)`).
    public static func round(_ d: Decimal) -> Decimal { Money.rounded(d, scale: scale) }

    /// `d` rounded toward zero to `places` decimal places.
    package static func truncated(_ d: Decimal, places: Int) -> Decimal {
        var value = d
        var result = Decimal()
        NSDecimalRound(&result, &value, places, d < 0 ? .up : .down)
        return result
    }

    /// The currency an instrument settles cash in: USD (linear) or its underlying coin (inverse).
    public static func settlementCurrency(of instrument: Instrument) -> String {
        instrument.settlement == .linear ? "USD" : instrument.underlying
    }

    /// The value of `quantity` (> 0) at `price` that both sides of a trade book, computed once: `round(q·price)` (USD
    /// for linear futures, perpetuals and options; coins for inverse options, whose price is in coins) or the coin
    /// quotient `round(N/price)` (inverse futures and perpetuals). A price of 0 (a worthless option taken over) is 0.
    public static func tradeValue(quantity: Decimal, price: Decimal, of instrument: Instrument) -> Decimal {
        tradeValue(quantity: quantity, price: price, sizedByNotional: instrument.isSizedByNotional)
    }

    /// ``tradeValue(quantity:price:of:)`` in either arithmetic (``BookingArithmetic``).
    package static func tradeValue<T: BookingArithmetic>(quantity: T, price: T, sizedByNotional: Bool) -> T {
        if sizedByNotional { return price == 0 ? 0 : (quantity / price).atLedgerScale }
        return (quantity * price).atLedgerScale
    }

    /// Books one side of a trade into `account`: `delta` signed (buy > 0) at `price`, `value` the side's signed share
    /// of ``tradeValue(quantity:price:of:)`` (`+` for the buyer, `−` for the seller). No fee.
    ///
    /// Adding to a position adds `value` to its cost. Reducing removes `cost × closed/|quantity|` (rounded once; the
    /// whole cost when it closes), realizes the P&L of the closed part into the settlement currency (linear:
    /// `−value_closed − removed`; inverse: `removed + value_closed`), and opens any remainder at the remainder's share
    /// of `value` (exact difference). Options pay the premium `value` in cash (buyer pays) and keep the premium cost.
    public static func book(delta: Decimal, price: Decimal, value: Decimal, instrumentId: String,
                            instrument: Instrument, into account: inout AccountState) {
        guard delta != 0 else { return }
        let position = account.positions[instrumentId] ?? PositionState(quantity: 0)
        let b = booking(quantity: position.quantity, cost: position.cost, delta: delta, price: price, value: value,
                        of: BookingTerms(instrument))
        if let cash = b.cash { account.balances[settlementCurrency(of: instrument), default: 0] += cash }
        account.positions[instrumentId] = b.quantity == 0 ? nil
            : PositionState(quantity: b.quantity, cost: b.cost)
    }

    /// What a position's instrument tells ``booking(quantity:cost:delta:price:value:of:)``.
    package struct BookingTerms {
        package var isOption: Bool
        package var isLinear: Bool
        package var sizedByNotional: Bool

        package init(_ instrument: Instrument) {
            isOption = instrument.option != nil
            isLinear = instrument.settlement == .linear
            sizedByNotional = instrument.isSizedByNotional
        }
    }

    /// One side's booking of a trade (``book(delta:price:value:instrumentId:instrument:into:)``) on a position of
    /// `quantity` at `cost`: the position after and the cash its settlement currency receives (signed; `nil`: the
    /// balance is not touched, so no entry is created). In either arithmetic (``BookingArithmetic``): the one rule,
    /// exact on the ledger and in `Double` in the planner's screen.
    package static func booking<T: BookingArithmetic>(quantity q: T, cost: T, delta: T, price: T, value: T,
                                              of terms: BookingTerms) -> (quantity: T, cost: T, cash: T?) {
        assert(delta != 0 && (value == 0 || (value > 0) == (delta > 0)),
               "Ledger.booking: the side's value must carry the trade's sign (+ buyer, − seller)")
        var cost = cost
        var cash: T? = terms.isOption ? -value : nil
        if q == 0 || (q > 0) == (delta > 0) {
            return (q + delta, cost + value, cash)
        }
        let closing = min(abs(delta), abs(q))
        let sign: T = delta > 0 ? 1 : -1
        // The closing part's share of the side's value; the remainder's is the exact difference.
        let closingValue: T
        if closing == abs(delta) {
            closingValue = value
        } else {
            closingValue = sign * tradeValue(quantity: closing, price: price, sizedByNotional: terms.sizedByNotional)
        }
        let openingValue = value - closingValue
        let removed = closing == abs(q) ? cost : (cost * closing / abs(q)).atLedgerScale
        if !terms.isOption {
            cash = terms.isLinear ? -closingValue - removed : removed + closingValue
        }
        cost -= removed
        if closing < abs(delta) { cost += openingValue }
        assert(closing <= abs(q) && closing <= abs(delta), "Ledger.booking: closed more than the position or the trade")
        assert(q + delta != 0 || cost == 0, "Ledger.booking: a closed position keeps a cost")
        return (q + delta, cost, cash)
    }

    /// Books a trade of `quantity` (> 0) at `price` between `buyer` and `seller` (no fees): one value, two sides.
    public static func trade(quantity: Decimal, price: Decimal, instrumentId: String, instrument: Instrument,
                             buyer: inout AccountState, seller: inout AccountState) {
        assert(quantity > 0 && price >= 0, "Ledger.trade: a trade of a positive quantity at a price ≥ 0")
        #if DEBUG
        let before = conservedSum(buyer, instrumentId, instrument) + conservedSum(seller, instrumentId, instrument)
        #endif
        let value = tradeValue(quantity: quantity, price: price, of: instrument)
        book(delta: quantity, price: price, value: value, instrumentId: instrumentId, instrument: instrument,
             into: &buyer)
        book(delta: -quantity, price: price, value: -value, instrumentId: instrumentId, instrument: instrument,
             into: &seller)
        #if DEBUG
        let after = conservedSum(buyer, instrumentId, instrument) + conservedSum(seller, instrumentId, instrument)
        assert(before == after, "Ledger.trade: the two sides' conserved sum changed by \(after - before)")
        #endif
    }

    #if DEBUG
    /// The terms of an account's conserved sum (``contribution(of:instruments:currencies:)``) a trade in `id` can
    /// change: its settlement-currency balance and, for a future or perpetual, that position's signed cost.
    private static func conservedSum(_ account: AccountState, _ id: String, _ instrument: Instrument) -> Decimal {
        let balance = account.balances[settlementCurrency(of: instrument)] ?? 0
        guard instrument.option == nil, let cost = account.positions[id]?.cost else { return balance }
        return instrument.settlement == .linear ? balance - cost : balance + cost
    }
    #endif

    /// Books a takeover's transfer (``Takeover/Transfer``): the receiver takes the account's position of signed
    /// `quantity` (> 0: the account was long, so the receiver buys it) at the transfer's price, one trade with two
    /// sides (no fee). The one booking of a signed transfer: the state's, the validation's and the planner's.
    package static func transfer(_ x: Takeover.Transfer, instrument: Instrument, from account: inout AccountState,
                                 to receiver: inout AccountState) {
        if x.quantity > 0 {
            trade(quantity: x.quantity, price: x.price, instrumentId: x.instrument, instrument: instrument,
                  buyer: &receiver, seller: &account)
        } else {
            trade(quantity: -x.quantity, price: x.price, instrumentId: x.instrument, instrument: instrument,
                  buyer: &account, seller: &receiver)
        }
    }

    /// The cash one position receives when its instrument expires at `s` (USD per coin), in the settlement
    /// currency, at the ledger's scale: options `round(q·intrinsic)` (linear) or `round(q·unit)` with the coin
    /// intrinsic per coin `unit = round(intrinsic/s)` computed once (inverse); linear futures `round(q·s) − cost`;
    /// inverse futures `cost − round(N/s)`.
    public static func settlement(of position: PositionState, instrument: Instrument, at s: Decimal) -> Decimal {
        let q = position.quantity
        switch instrument.kind {
        case .option(let c):
            let k = Decimal(string: "\(c.strike)") ?? Decimal(c.strike)
            let intrinsic = c.right == .call ? max(s - k, 0) : max(k - s, 0)
            let unit = instrument.settlement == .linear ? intrinsic : round(intrinsic / s)
            return round(q * unit)
        case .future, .perpetual:
            return instrument.settlement == .linear ? round(q * s) - position.cost : position.cost - round(q / s)
        }
    }

    /// An account's terms of the conserved sums (see ``Ledger``), per currency: its balances, minus the cost of its
    /// linear futures and perpetuals (USD), plus the cost of its inverse ones (their coin). Positions in instruments
    /// not in `instruments` are left out (an expired instrument's). Restricted to `currencies` when given.
    public static func contribution(of account: AccountState, instruments: [String: Instrument],
                                    currencies: Set<String>? = nil) -> [String: Decimal] {
        var out: [String: Decimal] = [:]
        for (c, b) in account.balances where currencies?.contains(c) ?? true { out[c, default: 0] += b }
        for (id, p) in account.positions {
            guard let instrument = instruments[id], instrument.option == nil else { continue }
            let c = settlementCurrency(of: instrument)
            guard currencies?.contains(c) ?? true else { continue }
            out[c, default: 0] += instrument.settlement == .linear ? -p.cost : p.cost
        }
        return out
    }
}
