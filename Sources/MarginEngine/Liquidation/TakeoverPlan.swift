import MarginLedger
import Foundation
import MarginCore

extension LiquidationPlanner {
    /// Plans the takeover of `name` (margin `m`, at mark), with auto-deleveraging first when the insurance fund
    /// cannot cover the shortfall (docs/LIQUIDATION.md, "Takeover", "Auto-deleveraging"):
    /// 1. the backstops' shares (``backstopTransfers(_:_:)``), the rest to the fund at mark; if the fund covers what
    ///    the account then lacks (its balances' value, negative), that is the takeover;
    /// 2. else, if the fund covers the shortfall at mark (no discount), everything goes to the fund at mark;
    /// 3. else the uncovered loss `L = shortfall − fund equity (+ a margin of 10⁻⁶ of it, so that rounding never
    ///    leaves the fund negative)` is deleveraged (``planDeleveraging(_:loss:)``) and what remains goes to the fund
    ///    at mark.
    mutating func planTakeover(_ name: String, _ m: AccountMargin) {
        guard let account = scratch.accounts[name] else { return }
        let fund = settings.insuranceFund
        let fundMargin = scratch.accounts[fund] == nil ? AccountMargin.empty : margin(fund)
        let fundEquity = fundMargin.isRiskAvailable && fundMargin.equity.isFinite ? fundMargin.equity : 0
        func reserve(_ pays: Double) -> Double { 1e-6 * max(1, abs(pays)) }

        let withBackstops = backstopTransfers(name, account)
        let pays = fundPays(account, withBackstops)
        if pays <= 0 || pays <= fundEquity - reserve(pays) {
            emit(.takeover(Takeover(account: name, transfers: withBackstops, time: now, equity: m.equity,
                                    fundPays: pays)),
                 touching: [name, fund] + withBackstops.map(\.to))
            return
        }
        let shortfall = -m.equity
        if shortfall > fundEquity - reserve(shortfall) {
            planDeleveraging(name, loss: shortfall - max(fundEquity, 0) + reserve(shortfall))
        }
        guard let rest = scratch.accounts[name] else { return }
        let toFund = fundTransfers(rest.positions)
        emit(.takeover(Takeover(account: name, transfers: toFund, time: now, equity: m.equity,
                                fundPays: fundPays(rest, toFund))),
             touching: [name, fund])
    }

    /// What the fund pays (USD, > 0) or receives once `transfers` have moved every position of `account` out: minus
    /// the value of what is left of it (its balances).
    func fundPays(_ account: AccountState, _ transfers: [Takeover.Transfer]) -> Double {
        var after = account
        var other = AccountState()
        for x in transfers {
            guard let instrument = scratch.instruments[x.instrument] else { continue }
            Ledger.transfer(x, instrument: instrument, from: &after, to: &other)
        }
        return -book.hypothetical(after).equity
    }

    /// The mark of `id` as money (10 decimal places), in the book's price units.
    func markPrice(_ id: String) -> Decimal? {
        guard let (instrument, v, _) = LiquidationPricing(state: scratch).valuation(of: id) else { return nil }
        return LiquidationPricing.decimal(LiquidationPricing.mark(instrument, v), places: 10)
    }

    /// Every position to the insurance fund at mark.
    func fundTransfers(_ positions: [String: PositionState]) -> [Takeover.Transfer] {
        positions.keys.sorted().compactMap { id in
            guard let q = positions[id]?.quantity, q != 0 else { return nil }
            return Takeover.Transfer(to: settings.insuranceFund, instrument: id, quantity: q, price: markPrice(id) ?? 0)
        }
    }

    /// The portfolio split between the backstops in proportion to their remaining capacity (equity − IM > 0; listed
    /// backstops that exist and are not being liquidated), each at `mark·(1 − discount)` for the account's longs
    /// and `mark·(1 + discount)` for its shorts; a backstop whose share would fail ``PreTradeRule`` has it scaled
    /// down (bisection, 10 halvings); the remainder of every position goes to the insurance fund at mark.
    /// Quantities are the account's positions × share, rounded toward zero at the ledger's scale.
    func backstopTransfers(_ name: String, _ account: AccountState) -> [Takeover.Transfer] {
        let ids = account.positions.keys.sorted().filter { account.positions[$0]?.quantity != 0 }
        var capacities: [(String, Double, AccountMargin)] = []
        // Per backstop: its ledger in hot-loop form, once for every probe of ``accepts(_:_:before:ledger:)`` (the
        // book's when no planned action changed it).
        var bases: [String: BaseLedger] = [:]
        for b in settings.backstops where b != name && scratch.accounts[b] != nil && scratch.liquidations[b] == nil {
            let mb = margin(b)
            let capacity = mb.equity - mb.initialMargin
            if mb.isRiskAvailable, capacity.isFinite, capacity > 0 {
                capacities.append((b, capacity, mb))
                bases[b] = ledger(b)
            }
        }
        let total = capacities.reduce(0) { $0 + $1.1 }
        var transfers: [Takeover.Transfer] = []
        var given: [String: Decimal] = [:]
        if total > 0, !ids.isEmpty {
            let marks = Dictionary(uniqueKeysWithValues: ids.map { ($0, markPrice($0) ?? 0) })
            let d = settings.takeoverDiscount
            for (b, capacity, before) in capacities {
                func share(_ scale: Double) -> [Takeover.Transfer] {
                    let f = LiquidationPricing.decimal(capacity / total * scale, places: 12)
                    return ids.compactMap { id in
                        guard let q = account.positions[id]?.quantity else { return nil }
                        let part = Ledger.truncated(q * f, places: Ledger.scale)
                        guard part != 0, let mark = marks[id] else { return nil }
                        let price = Ledger.round(mark * (q > 0 ? 1 - d : 1 + d))
                        return Takeover.Transfer(to: b, instrument: id, quantity: part, price: price)
                    }
                }
                var chosen = share(1)
                if !accepts(b, chosen, before: before, ledger: bases[b]) {
                    var low = 0.0
                    var high = 1.0
                    for _ in 0..<10 {
                        let mid = (low + high) / 2
                        if accepts(b, share(mid), before: before, ledger: bases[b]) { low = mid } else { high = mid }
                    }
                    chosen = low > 0 ? share(low) : []
                }
                for x in chosen { given[x.instrument, default: 0] += x.quantity }
                transfers += chosen
            }
        }
        for id in ids {
            guard let q = account.positions[id]?.quantity else { continue }
            let rest = q - (given[id] ?? 0)
            if rest != 0 {
                transfers.append(Takeover.Transfer(to: settings.insuranceFund, instrument: id, quantity: rest,
                                                   price: markPrice(id) ?? 0))
            }
        }
        return transfers
    }

    /// Whether backstop `b` may receive `transfers` (``PreTradeRule`` on its margin before, `mb`, its margin in the
    /// scratch state, and after). `ledger`: its scratch ledger in hot-loop form; only the transferred positions are
    /// converted again (``BaseLedger/margin(after:changing:)``: the same margin as the whole ledger's).
    func accepts(_ b: String, _ transfers: [Takeover.Transfer], before mb: AccountMargin, ledger: BaseLedger?) -> Bool {
        guard !transfers.isEmpty, let before = scratch.accounts[b] else { return transfers.isEmpty }
        guard let ledger else { return false }
        // The backstop's balances and the positions the transfers book (booking reads nothing else).
        var after = AccountState(balances: before.balances, health: before.health)
        for x in transfers { after.positions[x.instrument] = before.positions[x.instrument] }
        var other = AccountState()
        for x in transfers {
            guard let instrument = scratch.instruments[x.instrument] else { return false }
            Ledger.transfer(x, instrument: instrument, from: &other, to: &after)
        }
        let ma = ledger.margin(after: after, changing: transfers.map(\.instrument))
        guard mb.isRiskAvailable, ma.isRiskAvailable else { return false }
        return RiskBook.ruleCheck(b, before: mb, after: ma) == nil
    }
}
