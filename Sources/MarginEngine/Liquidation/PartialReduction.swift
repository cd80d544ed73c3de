import MarginLedger
import Foundation
import MarginCore

extension LiquidationPlanner {
    /// The best admissible step for `name` (margin `m0`), or `nil` when there is none: every candidate — reduce a
    /// position against its book by the largest size the book absorbs within the impact limit (never more than the
    /// position, never flipping it), or hedge the net delta of an underlying with its perpetual, limited by depth —
    /// is executed hypothetically on the account's ledger (fills, fee) and re-margined; candidates that do not
    /// lower MM are dropped; the rest are ranked by ``StepCandidate/ranks(before:)``. The best one's makers must
    /// pass ``PreTradeRule``; a maker that does not is skipped like a cancelled order and the candidates are
    /// evaluated again.
    ///
    /// Every order is first screened (``screen(_:_:_:_:_:_:)``, `Double`); then, in the screen's order, orders are
    /// executed exactly (``evaluate(_:_:_:_:_:indexMoney:)``, `Decimal`) while one may still
    /// rank before the best executed so far (``ScreenedOrder/may(rankBefore:)``): usually one or two of fifty. The
    /// choice is the same as executing every order exactly. Without a screen (`correlated` mode) every order is
    /// executed exactly.
    mutating func bestStep(_ name: String, _ m0: AccountMargin) -> StepCandidate? {
        guard let account = scratch.accounts[name] else { return nil }
        let base = BaseLedger(book: book, account: account, name: touched.contains(name) ? nil : name, screening: true)
        // In the book's order (by underlying, instrument id within one): the net deltas' sums (`Double`, one per
        // underlying) must not depend on a dictionary's order. The book holds every position whose instrument is
        // listed, which are those that can be priced.
        prices.reserveCapacity(prices.count + base.positions.count + 1)
        var orders: [CandidateOrder] = []
        orders.reserveCapacity(base.positions.count + 1)
        for (id, held) in base.positions {
            guard let position = account.positions[id], case let q = position.quantity, q != 0,
                  let p = priced(id, slot: held.instrument) else { continue }
            orders.append(CandidateOrder(id: id, priced: p, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                         action: .reduce, position: position, slot: held.instrument))
        }
        for (u, delta) in netDeltas(account, orders) {
            guard let (id, quantity) = hedge(u, delta: delta), quantity != 0, let p = priced(id) else { continue }
            orders.append(CandidateOrder(id: id, priced: p, side: quantity > 0 ? .buy : .sell,
                                         quantity: abs(quantity), action: .hedge, position: account.positions[id],
                                         slot: book.instrumentSlot[id]))
        }
        while true {
            // Screened orders not executed yet, in the screen's order; the orders executed exactly.
            var pending: [ScreenedOrder] = []
            var candidates: [StepCandidate] = []
            if screening, base.screen != nil {
                pending = orders.indices.compactMap { screen(name, account, base, m0, $0, orders[$0]) }
                pending.sort { $0.ranks(before: $1) }
            } else {
                for o in orders {
                    let indexMoney = feeIndex(o.priced)
                    if let c = evaluate(name, account, base, m0, o, indexMoney: indexMoney) { candidates.append(c) }
                }
            }
            // The best by the screen's figures, re-margined exactly (its recorded MM after); one whose exact MM
            // does not fall is dropped and the next taken.
            var best: StepCandidate?
            while best == nil {
                var leader = candidates.indices.min { candidates[$0].ranks(before: candidates[$1]) }
                while let j = pending.firstIndex(where: { s in leader.map { s.may(rankBefore: candidates[$0]) } ?? true }) {
                    let o = orders[pending.remove(at: j).order]
                    let indexMoney = feeIndex(o.priced)
                    guard let c = evaluate(name, account, base, m0, o, indexMoney: indexMoney) else { continue }
                    candidates.append(c)
                    if leader.map({ c.ranks(before: candidates[$0]) }) ?? true { leader = candidates.count - 1 }
                }
                guard let i = leader else { return nil }
                var c = candidates.remove(at: i)
                guard let exact = base.maintenanceMargin(changing: c.step.instrument, to: c.quantityAfter,
                                                         balances: c.balancesAfter),
                      exact.isFinite, m0.maintenanceMargin - exact > 0 else { continue }
                c.step.maintenanceMarginAfter = exact
                c.removed = m0.maintenanceMargin - exact
                best = c
            }
            guard let best else { return nil }
            let failed = failingMakers(best.step)
            if failed.isEmpty { return best }
            for f in best.step.fills where failed.contains(f.account) {
                skipped.insert(LevelKey(instrument: best.step.instrument, price: f.price, account: f.account))
            }
        }
    }

    /// Whether a taker `name` may fill against `level` of instrument `id`: not its own, not a system account's,
    /// not skipped in this plan.
    func admits(_ level: BookLevel, of id: String, taker name: String) -> Bool {
        !(level.account == name || settings.isSystemAccount(level.account)
            || (!skipped.isEmpty && skipped.contains(LevelKey(instrument: id, price: level.price, account: level.account))))
    }

    /// ``evaluate(_:_:_:_:_:indexMoney:)`` in `Double`, the planner's screen: the same
    /// levels (the same `Double` limit test), the fills' sizes, the fee (``LiquidationPricing/fee(_:instrument:indexMoney:futuresRate:optionsRate:)``),
    /// the inverse booking (``Ledger/booking(quantity:cost:delta:price:value:of:)``) and the MM after from the
    /// screen (``IncrementalMargin``), all in `Double`; `nil` when nothing fills or the MM cannot be computed.
    func screen(_ name: String, _ account: AccountState, _ base: BaseLedger, _ m0: AccountMargin, _ k: Int,
                _ o: CandidateOrder) -> ScreenedOrder? {
        guard let orderBook = scratch.books[o.id], let slot = o.slot else { return nil }
        let p = o.priced
        let instrument = p.instrument
        let limit = LiquidationPricing.limit(o.side, mark: p.mark, instrument: instrument, valuation: p.valuation,
                                             index: p.index, impact: impactLimit)
        let quantity = Money.double(o.quantity)
        // A remainder below this is binary rounding of an exact fill of the whole quantity.
        let residue = quantity * 1e-12
        var fills: [(price: Double, size: Double)] = []
        var left = quantity
        for level in orderBook.levels(facing: o.side) where left > residue {
            let price = Money.double(level.price)
            guard LiquidationPricing.within(price, o.side, limit: limit) else { break }
            guard admits(level, of: o.id, taker: name) else { continue }
            let size = min(left, Money.double(level.size))
            fills.append((price, size))
            left -= size
        }
        guard !fills.isEmpty else { return nil }
        let fee = LiquidationPricing.fee(fills, instrument: instrument, indexMoney: p.index,
                                         futuresRate: futuresFeeRate, optionsRate: optionsFeeRate)
        let position = o.position
        let held = position.map { Money.double($0.quantity) } ?? 0
        let filled = left > residue ? quantity - left : quantity
        var quantityAfter = o.side == .buy ? held + filled : held - filled
        var coin: (underlying: Int, balance: Double)?
        if instrument.settlement == .inverse {
            let u = Int(book.instrumentUnderlying[Int(slot)])
            let terms = Ledger.BookingTerms(instrument)
            var q = held
            var cost = position.map { Money.double($0.cost) } ?? 0
            var balance = account.balances[instrument.underlying].map(Money.double) ?? 0
            for f in fills {
                let value = Ledger.tradeValue(quantity: f.size, price: f.price, sizedByNotional: terms.sizedByNotional)
                let b = Ledger.booking(quantity: q, cost: cost, delta: o.side == .buy ? f.size : -f.size,
                                       price: f.price, value: o.side == .buy ? value : -value, of: terms)
                (q, cost) = (b.quantity, b.cost)
                balance += b.cash ?? 0
            }
            coin = (u, balance - fee)
        }
        if abs(quantityAfter) <= residue { quantityAfter = 0 }
        guard let screenMargin = base.screen,
              let mm1 = screenMargin.maintenanceMargin(instrument: Int(slot), oldSize: held, newSize: quantityAfter,
                                                       coin: coin),
              mm1.isFinite else { return nil }
        let cost = LiquidationPricing.slippage(fills, instrument: instrument, mark: p.mark, index: p.index)
            + LiquidationPricing.usd(fee, instrument: instrument, index: p.index)
        let mm0 = m0.maintenanceMargin
        let removedTolerance = 1e-8 * (abs(mm0) + 1)
        // Certain not to lower MM once executed exactly: dropped, as evaluation would drop it.
        guard mm0 - mm1 + removedTolerance > 0 else { return nil }
        return ScreenedOrder(order: k, instrument: o.id, removed: mm0 - mm1, cost: cost,
                             removedTolerance: removedTolerance, costTolerance: 1e-9 * (abs(cost) + 1))
    }

    /// Executes order `o` hypothetically, exactly: the best levels within the impact limit (not the account's own,
    /// not skipped), the fee (`indexMoney`: ``feeIndex(_:)``), the margin after; `nil` when nothing fills or MM does
    /// not fall. The MM after comes from the screen
    /// (``BaseLedger/screenedMaintenanceMargin(changing:to:coin:balances:)``); an inverse candidate's fills and fee
    /// are booked on a copy of the changed position and the balances only.
    func evaluate(_ name: String, _ account: AccountState, _ base: BaseLedger, _ m0: AccountMargin,
                  _ o: CandidateOrder, indexMoney: Decimal) -> StepCandidate? {
        let (id, p, side, quantity, action) = (o.id, o.priced, o.side, o.quantity, o.action)
        guard let orderBook = scratch.books[id] else { return nil }
        let (instrument, index, mark) = (p.instrument, p.index, p.mark)
        let limit = LiquidationPricing.limit(side, mark: mark, instrument: instrument, valuation: p.valuation,
                                             index: index, impact: impactLimit)
        var fills: [OrderBook.Execution] = []
        var left = quantity
        for level in orderBook.levels(facing: side) where left > 0 {
            guard LiquidationPricing.within(level.price, side, limit: limit) else { break }
            guard admits(level, of: id, taker: name) else { continue }
            let size = min(left, level.size)
            fills.append(OrderBook.Execution(price: level.price, size: size, account: level.account))
            left -= size
        }
        guard !fills.isEmpty else { return nil }
        let fee = LiquidationPricing.fee(fills, instrument: instrument, indexMoney: indexMoney, settings: settings)
        let cash = Ledger.settlementCurrency(of: instrument)
        // The MM after. MM reads position sizes and coin balances only (``AggregationKernel``: equity reads entry
        // prices and stablecoins). A linear instrument books its premium, P&L and fee in USD, so its MM after
        // needs the new size alone; an inverse one books the fills and the fee, on a copy of the position and the
        // balances (what ``BaseLedger`` reads), since they change a coin balance.
        let held = account.positions[id]?.quantity ?? 0
        let filled = quantity - left
        let quantityAfter: Decimal
        let balancesAfter: [String: Decimal]
        if instrument.settlement == .linear {
            quantityAfter = side == .buy ? held + filled : held - filled
            balancesAfter = account.balances
        } else {
            var after = AccountState(balances: account.balances, health: account.health)
            after.positions[id] = account.positions[id]
            for f in fills {
                let value = Ledger.tradeValue(quantity: f.size, price: f.price, of: instrument)
                Ledger.book(delta: side == .buy ? f.size : -f.size, price: f.price,
                            value: side == .buy ? value : -value, instrumentId: id, instrument: instrument,
                            into: &after)
            }
            after.balances[cash, default: 0] -= fee
            quantityAfter = after.positions[id]?.quantity ?? 0
            balancesAfter = after.balances
        }
        // The screen's MM after (``IncrementalMargin``); the chosen step is re-margined exactly. A linear step
        // changes no coin balance.
        let coin = instrument.settlement == .linear ? nil : balancesAfter[cash].map { (cash, $0) }
        guard let mm1 = base.screenedMaintenanceMargin(changing: id, to: quantityAfter, coin: coin,
                                                       balances: balancesAfter),
              mm1.isFinite else { return nil }
        let removed = m0.maintenanceMargin - mm1
        guard removed > 0 else { return nil }
        let cost = LiquidationPricing.slippage(fills, instrument: instrument, mark: mark, index: index)
            + LiquidationPricing.usd(fee, instrument: instrument, index: index)
        let step = LiquidationStep(account: name, instrument: id, action: action, side: side, fills: fills, fee: fee,
                                   feeCurrency: cash, time: now, maintenanceMarginBefore: m0.maintenanceMargin,
                                   maintenanceMarginAfter: mm1, cost: cost)
        return StepCandidate(step: step, quantityAfter: quantityAfter, balancesAfter: balancesAfter, removed: removed,
                             cost: cost)
    }

    /// The makers of `step` that would fail ``PreTradeRule``
    /// (``RiskBook/sideCheck(_:instrument:delta:before:beforeMargin:afterMargin:)``).
    func failingMakers(_ step: LiquidationStep) -> Set<String> {
        guard let instrument = scratch.instruments[step.instrument] else { return [] }
        var makers: [String: AccountState] = [:]
        var deltas: [String: Decimal] = [:]
        // The makers' side of each fill (``Ledger/trade(quantity:price:instrumentId:instrument:buyer:seller:)``'s):
        // a maker buys what the account sells.
        let makerBuys = step.side == .sell
        for f in step.fills {
            var maker = makers[f.account] ?? scratch.accounts[f.account] ?? AccountState()
            let value = Ledger.tradeValue(quantity: f.size, price: f.price, of: instrument)
            Ledger.book(delta: makerBuys ? f.size : -f.size, price: f.price, value: makerBuys ? value : -value,
                        instrumentId: step.instrument, instrument: instrument, into: &maker)
            makers[f.account] = maker
            deltas[f.account, default: 0] += step.side == .sell ? f.size : -f.size
        }
        var failed = Set<String>()
        for name in makers.keys.sorted() {
            guard let after = makers[name], let before = scratch.accounts[name] else { failed.insert(name); continue }
            let b = currentMargin(name)
            let a = ledger(name).margin(after: after, changed: step.instrument)
            if book.sideCheck(name, instrument: step.instrument, delta: deltas[name] ?? 0, before: before,
                              beforeMargin: b, afterMargin: a) != nil {
                failed.insert(name)
            }
        }
        return failed
    }

    /// The account's net delta per underlying, coins (positions' deltas and coin balances), by underlying name;
    /// `orders`: its reductions, one per position that can be valued, in instrument-id order.
    func netDeltas(_ account: AccountState, _ orders: [CandidateOrder]) -> [(String, Double)] {
        var deltas: [String: Double] = [:]
        // In instrument-id order: the sums (`Double`) must not depend on a dictionary's iteration order.
        for o in orders {
            guard let p = o.position else { continue }
            deltas[o.priced.instrument.underlying, default: 0] += Money.double(p.quantity) * o.priced.valuation.greeks.delta
        }
        for (currency, b) in account.balances where deltas[currency] != nil {
            deltas[currency, default: 0] += Money.double(b)
        }
        return deltas.keys.sorted().compactMap { u in deltas[u].map { (u, $0) } }
    }

    /// The perpetual that hedges `delta` coins of `u` (the linear perpetual with a book, else the inverse one) and
    /// the signed quantity that offsets it: `−delta·S/F` coins (linear, 8 places) or `−delta·F` USD (inverse, 2
    /// places), rounded toward zero.
    mutating func hedge(_ u: String, delta: Double) -> (String, Decimal)? {
        if perpetuals[u] == nil {
            // The book lists the state's instruments per underlying (``RiskBook/instrumentsOf``).
            let listed = book.underlyingSlot[u].map { book.instrumentsOf[$0] } ?? []
            let perps = listed.map(Int.init).filter { book.instruments[$0].kind == .perpetual }
            perpetuals[u] = perps.sorted { a, b in
                book.isLinear[a] != book.isLinear[b] ? book.isLinear[a] : book.instrumentIds[a] < book.instrumentIds[b]
            }.map { book.instrumentIds[$0] }
        }
        guard let id = perpetuals[u]?.first(where: { scratch.books[$0] != nil }),
              let instrument = scratch.instruments[id], let market = scratch.markets[u] else { return nil }
        let f = market.perpetualPrice
        guard delta.isFinite, f > 0 else { return nil }
        if instrument.settlement == .linear {
            return (id, Ledger.truncated(LiquidationPricing.decimal(-delta * market.index / f, places: 12), places: 8))
        }
        return (id, Ledger.truncated(LiquidationPricing.decimal(-delta * f, places: 8), places: 2))
    }
}

/// A candidate order of partial reduction: reduce a position, or hedge an underlying with its perpetual.
struct CandidateOrder {
    var id: String
    var priced: LiquidationPricing.Priced
    var side: OrderBook.Side
    /// Coins, or USD notional (inverse futures and perpetuals), > 0.
    var quantity: Decimal
    var action: LiquidationStep.Action
    /// The account's position in the instrument before the order (`nil`: none), and the instrument's slot in the
    /// book.
    var position: PositionState?
    var slot: Int32?
}

