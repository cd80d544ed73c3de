import Foundation
import MarginCore

extension LiquidationPlanner {
    /// Auto-deleveraging of `name`'s positions to cover `loss` (USD) that the insurance fund cannot
    /// (docs/LIQUIDATION.md, "Auto-deleveraging"):
    /// - the loss is allocated to the positions in proportion to `|mark value|` (USD): `L_i = loss × |v_i| / Σ|v|`;
    /// - each position closes at its bankruptcy price, `mark + L_i/q` (linear, and options in their price units:
    ///   `/S` for inverse options), `1/p = 1/mark − L_i/(S·N)` (inverse futures and perpetuals), so the account
    ///   receives `L_i` more than at mark and the counterparties bear exactly `L_i` between them;
    /// - against the opposite-side holders ranked by ``DeleveragingRanking`` (BitMEX's score; longs and shorts are
    ///   separate because only the opposite side is ranked; accounts being liquidated, in `liquidation` or `takeover`
    ///   health, with equity ≤ 0, the system accounts and accounts without a position never share a loss), each taking
    ///   up to its whole position, in rank order: one `deleverage` event per counterparty.
    /// What no counterparty can take stays with the account and goes to the insurance fund at mark.
    mutating func planDeleveraging(_ name: String, loss: Double) {
        guard let account = scratch.accounts[name], loss > 0 else { return }
        let pricing = LiquidationPricing(state: scratch)
        var legs: [(id: String, q: Decimal, instrument: Instrument, v: InstrumentValuation, index: Double,
                    weight: Double)] = []
        for id in account.positions.keys.sorted() {
            guard let q = account.positions[id]?.quantity, q != 0, let (instrument, v, index) = pricing.valuation(of: id)
            else { continue }
            let weight = abs(Self.markValue(q: Money.double(q), instrument: instrument, valuation: v, index: index))
            if weight > 0, weight.isFinite { legs.append((id, q, instrument, v, index, weight)) }
        }
        let total = legs.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return }
        for leg in legs {
            let share = loss * leg.weight / total
            let q = Money.double(leg.q)
            let mark = LiquidationPricing.mark(leg.instrument, leg.v)
            var bankruptcy: Double
            if leg.instrument.isSizedByNotional {
                let inverse = 1 / mark - share / (leg.index * q)
                bankruptcy = inverse > 0 ? 1 / inverse : .infinity
            } else if leg.instrument.option != nil, leg.instrument.settlement == .inverse {
                bankruptcy = mark + share / leg.index / q
            } else {
                bankruptcy = mark + share / q
            }
            let side: OrderBook.Side = leg.q > 0 ? .sell : .buy
            // Rounded in the bankrupt account's favour (never less loss covered), kept inside (0, 10¹⁵).
            bankruptcy = min(max(bankruptcy, 1e-10), 1e14)
            var price = LiquidationPricing.decimal(bankruptcy, places: 12)
            price = side == .sell ? Self.roundedUp(price, places: 10) : Self.roundedDown(price, places: 10)
            if price <= 0 { price = Decimal(sign: .plus, exponent: -10, significand: 1) }
            let markPrice = LiquidationPricing.decimal(mark, places: 10)
            var left = abs(leg.q)
            for (rank, c) in counterparties(of: leg.id, longs: leg.q < 0, excluding: name).enumerated() where left > 0 {
                guard let theirs = scratch.accounts[c.account]?.positions[leg.id]?.quantity else { continue }
                let size = min(left, abs(theirs))
                emit(.deleverage(Deleverage(account: name, counterparty: c.account, instrument: leg.id, side: side,
                                            quantity: size, price: price, markPrice: markPrice, rank: rank + 1,
                                            score: c.score, time: now)),
                     touching: [name, c.account])
                left -= size
            }
        }
    }

    /// The holders of `id` on one side (`longs`), ranked (``DeleveragingRanking/rank(_:)``), who may share a loss.
    func counterparties(of id: String, longs: Bool, excluding name: String) -> [DeleveragingRanking.Candidate] {
        guard let (instrument, v, index) = LiquidationPricing(state: scratch).valuation(of: id) else { return [] }
        var candidates: [DeleveragingRanking.Candidate] = []
        for (k, account) in scratch.accounts where k != name && !settings.isSystemAccount(k)
            && scratch.liquidations[k] == nil {
            guard let p = account.positions[id], p.quantity != 0, (p.quantity > 0) == longs else { continue }
            let m = currentMargin(k)
            guard m.isRiskAvailable, m.health != .liquidation, m.health != .takeover else { continue }
            let q = Money.double(p.quantity)
            let mark = Self.markValue(q: q, instrument: instrument, valuation: v, index: index)
            let pnl = Self.unrealized(p, q: q, instrument: instrument, valuation: v, index: index)
            candidates.append(DeleveragingRanking.Candidate(account: k, markValue: mark, entryValue: mark - pnl,
                                                            accountEquity: m.equity))
        }
        return DeleveragingRanking.rank(candidates)
    }

    /// A position's signed USD value at mark: `q·F` (linear futures and perpetuals), `N·S/F` (inverse),
    /// `q × value` (options).
    static func markValue(q: Double, instrument: Instrument, valuation v: InstrumentValuation, index: Double) -> Double {
        if instrument.option != nil { return q * v.valueUSD }
        return instrument.settlement == .linear ? q * v.forward : q * index / v.forward
    }

    /// A position's P&L since entry, USD: `q·F − cost` (linear), `(cost − N/F)·S` (inverse), value − premium paid
    /// (options: the premium cost, in coins × S for inverse options).
    static func unrealized(_ p: PositionState, q: Double, instrument: Instrument, valuation v: InstrumentValuation,
                           index: Double) -> Double {
        let cost = Money.double(p.cost)
        if instrument.option != nil {
            return q * v.valueUSD - (instrument.settlement == .linear ? cost : cost * index)
        }
        return instrument.settlement == .linear ? q * v.forward - cost : (cost - q / v.forward) * index
    }

    static func roundedUp(_ d: Decimal, places: Int) -> Decimal {
        var value = d
        var result = Decimal()
        NSDecimalRound(&result, &value, places, .up)
        return result
    }

    static func roundedDown(_ d: Decimal, places: Int) -> Decimal {
        var value = d
        var result = Decimal()
        NSDecimalRound(&result, &value, places, .down)
        return result
    }
}
