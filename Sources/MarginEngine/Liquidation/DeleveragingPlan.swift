import MarginLedger
import Foundation
import MarginCore

extension LiquidationPlanner {
    /// Auto-deleveraging of `name`'s positions to cover `loss` (USD) that the insurance fund cannot
    /// (docs/LIQUIDATION.md, "Auto-deleveraging"):
    /// - per position, the opposite-side holders ranked by ``DeleveragingRanking`` (BitMEX's score; only the opposite
    ///   side is ranked, so longs and shorts are ranked separately; accounts being liquidated, in `liquidation` or
    ///   `takeover` health, with equity ≤ 0, the system accounts and accounts without a position never share a loss),
    ///   all ranked before any fill; the part of the position they can take, `a_i = min(|q_i|, Σ their |q|)`;
    /// - the loss is allocated to those parts in proportion to their `|mark value|` (USD): `L_i = loss × |v_i| / Σ|v|`,
    ///   so it is covered whenever anyone can take any part;
    /// - each part closes at its bankruptcy price, `mark + L_i/a_i` (signed like the position; linear, and options in
    ///   their price units: `/S` for inverse options), `1/p = 1/mark − L_i/(S·N_i)` (inverse futures and perpetuals),
    ///   rounded in the bankrupt account's favour to 10 places, so the account receives `L_i` more than at mark and
    ///   the counterparties bear `L_i` between them, in rank order, each up to its whole position: one `deleverage`
    ///   event per counterparty.
    /// What no counterparty can take stays with the account (and goes to the insurance fund at mark).
    mutating func planDeleveraging(_ name: String, loss: Double) {
        guard let account = scratch.accounts[name], loss > 0 else { return }
        let pricing = LiquidationPricing(state: scratch)
        struct Leg {
            var id: String
            var q: Decimal
            var instrument: Instrument
            var v: InstrumentValuation
            var index: Double
            var ranked: [DeleveragingRanking.Candidate]
            /// The part the ranked holders can take (signed like `q`) and its |mark value|, USD.
            var part: Decimal
            var weight: Double
        }
        var legs: [Leg] = []
        for id in account.positions.keys.sorted() {
            guard let q = account.positions[id]?.quantity, q != 0,
                  let (instrument, v, index) = pricing.valuation(of: id) else { continue }
            let ranked = counterparties(of: id, longs: q < 0, excluding: name)
            let room = ranked.reduce(Decimal(0)) { total, c in
                total + abs(scratch.accounts[c.account]?.positions[id]?.quantity ?? 0)
            }
            let part = min(abs(q), room) * (q > 0 ? 1 : -1)
            let weight = abs(Self.markValue(q: Money.double(part), instrument: instrument, valuation: v, index: index))
            if part != 0, weight > 0, weight.isFinite {
                legs.append(Leg(id: id, q: q, instrument: instrument, v: v, index: index, ranked: ranked, part: part,
                                weight: weight))
            }
        }
        let total = legs.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return }
        for leg in legs {
            let share = loss * leg.weight / total
            let q = Money.double(leg.part)
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
            var left = abs(leg.part)
            for (rank, c) in leg.ranked.enumerated() where left > 0 {
                guard let theirs = scratch.accounts[c.account]?.positions[leg.id]?.quantity, theirs != 0 else {
                    continue
                }
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
        for k in holders(of: instrument.underlying, instrument: id) where k != name && !settings.isSystemAccount(k)
            && scratch.liquidations[k] == nil {
            guard let account = scratch.accounts[k], let p = account.positions[id], p.quantity != 0,
                  (p.quantity > 0) == longs else { continue }
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

    /// The accounts that may hold a position in instrument `id` of underlying `u`, each once: those the plan
    /// changed, and those the book lists as exposed to `u` (``RiskBook/holders``, the journaled ledgers') whose
    /// slots in the book's slab hold `id` (the slab is their ledger, as the plan has not changed them: an integer
    /// scan instead of a string lookup of every account exposed to `u`, per leg of a deleverage); every account
    /// when the book does not know `u`. The ranking sorts them, so their order does not matter.
    func holders(of u: String, instrument id: String) -> [String] {
        guard let slot = book.underlyingSlot[u] else { return Array(scratch.accounts.keys) }
        // Every slot listed under `id` (a re-listed id keeps its older slot).
        let slots = Set(book.instrumentIds.indices.filter { book.instrumentIds[$0] == id }.map(Int32.init))
        var seen = Set<String>()
        var out: [String] = []
        for a in book.holders[slot] {
            let name = book.accountNames[Int(a)]
            guard touched.contains(name) || book.positions(of: Int(a)).contains(where: { slots.contains($0.instrument) })
            else { continue }
            if seen.insert(name).inserted { out.append(name) }
        }
        for k in touched where seen.insert(k).inserted { out.append(k) }
        return out
    }

    /// A position's signed USD value at mark: `q·F` (linear futures and perpetuals), `N·S/F` (inverse),
    /// `q × value` (options).
    static func markValue(q: Double, instrument: Instrument, valuation v: InstrumentValuation,
                          index: Double) -> Double {
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
