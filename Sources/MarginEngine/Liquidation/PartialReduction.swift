import Foundation
import MarginCore

/// One candidate step of partial reduction, with what ranks it.
struct StepCandidate {
    var step: LiquidationStep
    /// The account's position in the step's instrument after it (0: closed) and its balances after it (fee, premium
    /// and realized P&L booked), what its exact MM after is computed from.
    var quantityAfter: Decimal
    var balancesAfter: [String: Decimal]
    /// MM removed, USD (> 0).
    var removed: Double
    /// Slippage against the mark plus the liquidation fee, USD (≥ 0).
    var cost: Double

    /// The choice rule (docs/LIQUIDATION.md, "The choice rule"): most MM removed per unit of execution cost; a
    /// costless step first; ties by more MM removed, then instrument id, then a reduction before a hedge.
    func ranks(before other: StepCandidate) -> Bool {
        let free = cost <= 0
        let otherFree = other.cost <= 0
        if free != otherFree { return free }
        if !free {
            let a = removed / cost
            let b = other.removed / other.cost
            if a != b { return a > b }
        }
        if removed != other.removed { return removed > other.removed }
        if step.instrument != other.step.instrument { return step.instrument < other.step.instrument }
        return step.action == .reduce && other.step.action == .hedge
    }
}

extension LiquidationPlanner {
    /// The best admissible step for `name` (margin `m0`), or `nil` when there is none: every candidate — reduce a
    /// position against its book by the largest size the book absorbs within the impact limit (never more than the
    /// position, never flipping it), or hedge the net delta of an underlying with its perpetual, limited by depth —
    /// is executed hypothetically on the account's ledger (fills, fee) and re-margined; candidates that do not
    /// lower MM are dropped; the rest are ranked by ``StepCandidate/ranks(before:)``. The best one's makers must
    /// pass ``PreTradeRule``; a maker that does not is skipped like a cancelled order and the candidates are
    /// evaluated again.
    mutating func bestStep(_ name: String, _ m0: AccountMargin) -> StepCandidate? {
        guard let account = scratch.accounts[name] else { return nil }
        let base = BaseLedger(book: book, account: account, name: touched.contains(name) ? nil : name, screening: true)
        let ids = account.positions.keys.sorted()
        for id in ids { _ = priced(id) }
        var orders: [CandidateOrder] = []
        for id in ids {
            guard let q = account.positions[id]?.quantity, q != 0, let p = prices[id] ?? nil else { continue }
            orders.append(CandidateOrder(id: id, priced: p, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                         action: .reduce))
        }
        for (u, delta) in netDeltas(account, ids) {
            guard let (id, quantity) = hedge(u, delta: delta), quantity != 0, let p = priced(id) else { continue }
            orders.append(CandidateOrder(id: id, priced: p, side: quantity > 0 ? .buy : .sell,
                                         quantity: abs(quantity), action: .hedge))
        }
        while true {
            var candidates = orders.compactMap { o in
                evaluate(name, account, base, m0, o.id, o.priced, side: o.side, quantity: o.quantity, action: o.action)
            }
            // The best by the screen's figures, re-margined exactly (its recorded MM after); one whose exact MM
            // does not fall is dropped and the next taken.
            var best: StepCandidate?
            while best == nil, let i = candidates.indices.min(by: { candidates[$0].ranks(before: candidates[$1]) }) {
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

    /// Executes `quantity` of `id` (priced `p`) on `side` hypothetically: the best levels within the impact limit
    /// (not the account's own, not skipped), the fee, the margin after; `nil` when nothing fills or MM does not
    /// fall. The MM after comes from the screen (``BaseLedger/screenedMaintenanceMargin(changing:to:coin:balances:)``);
    /// an inverse candidate's fills and fee are booked on a copy of the changed position and the balances only.
    func evaluate(_ name: String, _ account: AccountState, _ base: BaseLedger, _ m0: AccountMargin, _ id: String,
                  _ p: LiquidationPricing.Priced, side: OrderBook.Side, quantity: Decimal,
                  action: LiquidationStep.Action) -> StepCandidate? {
        guard let orderBook = scratch.books[id] else { return nil }
        let (instrument, index, mark) = (p.instrument, p.index, p.mark)
        let limit = LiquidationPricing.limit(side, mark: mark, instrument: instrument, valuation: p.valuation,
                                             index: index, impact: impactLimit)
        var fills: [OrderBook.Execution] = []
        var left = quantity
        for level in orderBook.levels(facing: side) where left > 0 {
            guard LiquidationPricing.within(level.price, side, limit: limit) else { break }
            if level.account == name || settings.isSystemAccount(level.account)
                || (!skipped.isEmpty
                    && skipped.contains(LevelKey(instrument: id, price: level.price, account: level.account))) {
                continue
            }
            let size = min(left, level.size)
            fills.append(OrderBook.Execution(price: level.price, size: size, account: level.account))
            left -= size
        }
        guard !fills.isEmpty else { return nil }
        let fee = LiquidationPricing.fee(fills, instrument: instrument, indexMoney: p.indexMoney, settings: settings)
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
        var taker = AccountState()
        for f in step.fills {
            var maker = makers[f.account] ?? scratch.accounts[f.account] ?? AccountState()
            if step.side == .sell {
                Ledger.trade(quantity: f.size, price: f.price, instrumentId: step.instrument, instrument: instrument,
                             buyer: &maker, seller: &taker)
            } else {
                Ledger.trade(quantity: f.size, price: f.price, instrumentId: step.instrument, instrument: instrument,
                             buyer: &taker, seller: &maker)
            }
            makers[f.account] = maker
            deltas[f.account, default: 0] += step.side == .sell ? f.size : -f.size
        }
        var failed = Set<String>()
        for name in makers.keys.sorted() {
            guard let after = makers[name], let before = scratch.accounts[name] else { failed.insert(name); continue }
            let fresh = !touched.contains(name)
            let b = currentMargin(name)
            let a = BaseLedger(book: book, account: before, name: fresh ? name : nil).margin(after: after,
                                                                                            changed: step.instrument)
            if book.sideCheck(name, instrument: step.instrument, delta: deltas[name] ?? 0, before: before,
                              beforeMargin: b, afterMargin: a) != nil {
                failed.insert(name)
            }
        }
        return failed
    }

    /// The account's net delta per underlying, coins (positions' deltas and coin balances), by underlying name;
    /// `ids`: its instruments, sorted, priced (``priced(_:)``).
    func netDeltas(_ account: AccountState, _ ids: [String]) -> [(String, Double)] {
        var deltas: [String: Double] = [:]
        // In instrument-id order: the sums (`Double`) must not depend on a dictionary's iteration order.
        for id in ids {
            guard let p = account.positions[id], let priced = prices[id] ?? nil else { continue }
            deltas[priced.instrument.underlying, default: 0] += Money.double(p.quantity) * priced.valuation.greeks.delta
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
            let listed = scratch.instruments.filter { $0.value.underlying == u && $0.value.kind == .perpetual }
            perpetuals[u] = listed.keys.sorted { a, b in
                let la = listed[a]?.settlement == .linear
                let lb = listed[b]?.settlement == .linear
                return la != lb ? la : a < b
            }
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
}

/// An account's ledger in the book's hot-loop form, so that each candidate re-margins by patching one position
/// and the balances (bit-identical to ``RiskBook/hypothetical(_:)`` of the patched ledger): read from the book's
/// slab when the account is the book's (`name` given and the ledger unchanged since the book synced it), converted
/// from the decimal ledger otherwise.
struct BaseLedger {
    let book: RiskBook
    let health: Health
    /// Positions grouped by underlying, in instrument-id order within each underlying (the order the aggregation
    /// sums in).
    let positions: [(id: String, slot: PositionSlot)]
    /// The screen's form of the ledger (``screenedMaintenanceMargin(changing:to:balances:)``), when asked for.
    let screen: IncrementalMargin?

    /// `screening`: also keep the ledger's aggregated rows, for many candidate changes of it.
    init(book: RiskBook, account: AccountState, name: String?, screening: Bool = false) {
        self.book = book
        health = account.health
        if let name, let a = book.accountSlot[name] {
            positions = book.positions(of: Int(a)).map { (book.instrumentIds[Int($0.instrument)], $0) }
        } else {
            positions = book.orderedSlots(of: account)
        }
        if screening {
            let (coins, stable) = book.balanceSlots(account.balances)
            screen = IncrementalMargin(book: book, positions: positions.map(\.slot), coins: coins, stable: stable,
                                       health: account.health)
        } else {
            screen = nil
        }
    }

    /// The MM (USD) of the base ledger with position `changed` at `quantity` and `balances`, which differ from the
    /// base ledger's at most in `coin` (a currency and its new balance; `nil`: no coin balance changed), from the
    /// screen (``IncrementalMargin``: equal to the exact MM up to rounding) when there is one, else exactly
    /// (``maintenanceMargin(changing:to:balances:)``); `nil` when the risk is unavailable.
    func screenedMaintenanceMargin(changing changed: String, to quantity: Decimal, coin: (String, Decimal)?,
                                   balances: [String: Decimal]) -> Double? {
        if let screen, let slot = book.instrumentSlot[changed] {
            let old = positions.first { $0.slot.instrument == slot }?.slot.size ?? 0
            var coinChange: (underlying: Int, balance: Double)?
            if let (currency, balance) = coin, !Portfolio.stablecoins.contains(currency) {
                guard let u = book.underlyingSlot[currency] else {
                    return maintenanceMargin(changing: changed, to: quantity, balances: balances)
                }
                coinChange = (u, Money.double(balance))
            }
            return screen.maintenanceMargin(instrument: Int(slot), oldSize: old, newSize: Money.double(quantity),
                                            coin: coinChange)
        }
        return maintenanceMargin(changing: changed, to: quantity, balances: balances)
    }

    /// The margin of `after`, which differs from the base ledger in position `changed` and its balances.
    func margin(after: AccountState, changed: String) -> AccountMargin {
        margin(changed, after.positions[changed].flatMap { book.positionSlot(changed, $0) }, balances: after.balances)
    }

    /// The maintenance margin (USD) of the base ledger with position `changed` at `quantity` (0: closed) and
    /// `balances`; `nil` when the risk is unavailable. Bit-identical to the MM of ``margin(after:changed:)`` for a
    /// ledger with that quantity, whatever its cost: MM does not read entry prices (``AggregationKernel``), so the
    /// position's slot is built from its size alone.
    func maintenanceMargin(changing changed: String, to quantity: Decimal, balances: [String: Decimal]) -> Double? {
        let slot = quantity == 0 ? nil : book.positionSlot(changed, size: Money.double(quantity))
        let m = margin(changed, slot, balances: balances)
        return m.isRiskAvailable ? m.maintenanceMargin : nil
    }

    /// The margin of the base ledger with position `changed`'s slot replaced by `new` (`nil`: closed) and
    /// `balances`.
    private func margin(_ changed: String, _ new: PositionSlot?, balances: [String: Decimal]) -> AccountMargin {
        var slots = positions.map(\.slot)
        if let i = positions.firstIndex(where: { $0.id == changed }) {
            if let new { slots[i] = new } else { slots.remove(at: i) }
        } else if let new {
            // Before the first position of the same underlying with a larger id, else after its last one.
            let u = new.underlying
            var at = slots.count
            var lastOfU: Int?
            for (i, p) in positions.enumerated() where p.slot.underlying == u {
                if p.id > changed { at = i; lastOfU = nil; break }
                lastOfU = i
            }
            if let lastOfU { at = lastOfU + 1 }
            slots.insert(new, at: at)
        }
        let (coins, stable) = book.balanceSlots(balances)
        return book.hypothetical(positions: slots, coins: coins, stable: stable, health: health)
    }
}
