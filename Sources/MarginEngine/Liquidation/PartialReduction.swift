import Foundation
import MarginCore

/// One candidate step of partial reduction, with what ranks it.
struct StepCandidate {
    var step: LiquidationStep
    /// The account's margin after the step.
    var after: AccountMargin
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
        let base = BaseLedger(book: book, account: account, name: touched.contains(name) ? nil : name)
        while true {
            var candidates: [StepCandidate] = []
            for id in account.positions.keys.sorted() {
                guard let q = account.positions[id]?.quantity, q != 0 else { continue }
                if let c = evaluate(name, account, base, m0, id, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                    action: .reduce) {
                    candidates.append(c)
                }
            }
            for (u, delta) in netDeltas(account) {
                guard let (id, quantity) = hedge(u, delta: delta), quantity != 0 else { continue }
                if let c = evaluate(name, account, base, m0, id, side: quantity > 0 ? .buy : .sell,
                                    quantity: abs(quantity), action: .hedge) {
                    candidates.append(c)
                }
            }
            guard var best = candidates.first else { return nil }
            for c in candidates.dropFirst() where c.ranks(before: best) { best = c }
            let failed = failingMakers(best.step)
            if failed.isEmpty { return best }
            for f in best.step.fills where failed.contains(f.account) {
                skipped.insert(LevelKey(instrument: best.step.instrument, price: f.price, account: f.account))
            }
        }
    }

    /// Executes `quantity` of `id` on `side` hypothetically: the best levels within the impact limit (not the
    /// account's own, not skipped), the fee, the margin after; `nil` when nothing fills or MM does not fall.
    func evaluate(_ name: String, _ account: AccountState, _ base: BaseLedger, _ m0: AccountMargin, _ id: String,
                  side: OrderBook.Side, quantity: Decimal, action: LiquidationStep.Action) -> StepCandidate? {
        guard let orderBook = scratch.books[id],
              let (instrument, valuation, index) = LiquidationPricing(state: scratch).valuation(of: id) else {
            return nil
        }
        let mark = LiquidationPricing.mark(instrument, valuation)
        let limit = LiquidationPricing.limit(side, mark: mark, instrument: instrument, valuation: valuation,
                                             index: index, impact: Money.double(settings.impactLimit))
        var fills: [OrderBook.Execution] = []
        var left = quantity
        for level in orderBook.levels(facing: side) where left > 0 {
            guard LiquidationPricing.within(level.price, side, limit: limit) else { break }
            if level.account == name || settings.isSystemAccount(level.account)
                || skipped.contains(LevelKey(instrument: id, price: level.price, account: level.account)) { continue }
            let size = min(left, level.size)
            fills.append(OrderBook.Execution(price: level.price, size: size, account: level.account))
            left -= size
        }
        guard !fills.isEmpty else { return nil }
        var after = account
        for f in fills {
            let value = Ledger.tradeValue(quantity: f.size, price: f.price, of: instrument)
            Ledger.book(delta: side == .buy ? f.size : -f.size, price: f.price, value: side == .buy ? value : -value,
                        instrumentId: id, instrument: instrument, into: &after)
        }
        let fee = LiquidationPricing.fee(fills, instrument: instrument, index: index, settings: settings)
        let cash = Ledger.settlementCurrency(of: instrument)
        after.balances[cash, default: 0] -= fee
        let m1 = base.margin(after: after, changed: id)
        guard m1.isRiskAvailable, m1.maintenanceMargin.isFinite else { return nil }
        let removed = m0.maintenanceMargin - m1.maintenanceMargin
        guard removed > 0 else { return nil }
        let cost = LiquidationPricing.slippage(fills, instrument: instrument, mark: mark, index: index)
            + LiquidationPricing.usd(fee, instrument: instrument, index: index)
        let step = LiquidationStep(account: name, instrument: id, action: action, side: side, fills: fills, fee: fee,
                                   feeCurrency: cash, time: now, maintenanceMarginBefore: m0.maintenanceMargin,
                                   maintenanceMarginAfter: m1.maintenanceMargin, cost: cost)
        return StepCandidate(step: step, after: m1, removed: removed, cost: cost)
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

    /// The account's net delta per underlying, coins (positions' deltas and coin balances), by underlying name.
    func netDeltas(_ account: AccountState) -> [(String, Double)] {
        var deltas: [String: Double] = [:]
        let pricing = LiquidationPricing(state: scratch)
        // In instrument-id order: the sums (`Double`) must not depend on a dictionary's iteration order.
        for id in account.positions.keys.sorted() {
            guard let p = account.positions[id], let (instrument, v, _) = pricing.valuation(of: id) else { continue }
            deltas[instrument.underlying, default: 0] += Money.double(p.quantity) * v.greeks.delta
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

    init(book: RiskBook, account: AccountState, name: String?) {
        self.book = book
        health = account.health
        if let name, let a = book.accountSlot[name] {
            positions = book.positions(of: Int(a)).map { (book.instrumentIds[Int($0.instrument)], $0) }
        } else {
            positions = book.orderedSlots(of: account)
        }
    }

    /// The margin of `after`, which differs from the base ledger in position `changed` and its balances.
    func margin(after: AccountState, changed: String) -> AccountMargin {
        var slots = positions.map(\.slot)
        let new = after.positions[changed].flatMap { book.positionSlot(changed, $0) }
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
        let (coins, stable) = book.balanceSlots(after.balances)
        return book.hypothetical(positions: slots, coins: coins, stable: stable, health: health)
    }
}
