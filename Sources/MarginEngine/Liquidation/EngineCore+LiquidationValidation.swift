import MarginLedger
import Foundation
import MarginCore

// Validation of the `book` event and of the liquidation actions against the state, before the journal append. The
// planner only proposes actions these checks accept (it computes with the same functions on the same state); the
// checks still run, so an action reaching the journal by any path keeps the ledger's rules: makers and backstops pass
// ``PreTradeRule``, a step never increases the account's MM and never flips a reduced position, a takeover moves the
// whole portfolio. What validation does not re-derive is the planner's choice itself (which step, which shares):
// liquidation actions are engine-written, like `health` events, and the API must not take them from clients.

extension EngineCore {
    /// A book: the instrument listed, every level owned by a known account that is not a system account.
    func checkBook(_ b: BookUpdate) throws(EngineError) {
        guard state.instruments[b.instrument] != nil else {
            throw .invalid(field: "instrument", reason: "\"\(b.instrument)\" is not listed")
        }
        for (side, levels) in [("bids", b.book.bids), ("asks", b.book.asks)] {
            for (i, l) in levels.enumerated() {
                guard state.accounts[l.account] != nil else {
                    throw .invalid(field: "\(side)[\(i)].account", reason: "unknown account \"\(l.account)\"")
                }
                guard !state.liquidation.isSystemAccount(l.account) else {
                    throw .invalid(field: "\(side)[\(i)].account", reason: "\"\(l.account)\" is a system account")
                }
            }
        }
    }

    /// The checks of a liquidation action (liquidation enabled and not halted; the account's liquidation open; the
    /// engine's time), returning the accounts it changes.
    func checkLiquidationAction(_ event: EngineEvent) throws(EngineError) -> Prepared {
        if case .alert(let a) = event {
            guard a.kind == .uncoveredLoss || state.liquidationHalt == nil else {
                throw .invalid(field: "type", reason: "liquidation is already halted")
            }
            return Prepared()
        }
        guard state.liquidation.enabled else { throw .invalid(field: "type", reason: "liquidation is disabled") }
        if let halt = state.liquidationHalt { throw .invalid(field: "type", reason: "liquidation is halted: \(halt)") }
        let settings = state.liquidation
        switch event {
        case .marginCall(let c):
            try checkTime(c.time)
            let account = try liquidated(c.account, open: false)
            // The book's margin is the ledger's (every change is re-margined at commit); bit-identical to
            // ``RiskBook/hypothetical(_:)`` of it.
            let m = margin(of: c.account) ?? book.hypothetical(account)
            guard m.isRiskAvailable, m.health == .liquidation || m.health == .takeover else {
                throw .invalid(field: "account", reason: "\"\(c.account)\" is not below maintenance margin")
            }
            return Prepared()
        case .liquidationEnd(let e):
            try checkTime(e.time)
            let account = try liquidated(e.account, open: true)
            let m = margin(of: e.account) ?? book.hypothetical(account)
            guard m.meetsLiquidationTarget(buffer: Money.double(settings.buffer)) else {
                throw .invalid(field: "account", reason: "\"\(e.account)\" is below MM × (1 + buffer)")
            }
            return Prepared()
        case .liquidation(let step):
            return Prepared(touched: try checkStep(step))
        case .takeover(let t):
            let fund = book.hypothetical(state.accounts[settings.insuranceFund] ?? AccountState())
            return Prepared(touched: try checkTakeover(t), fundEquityBefore: fund.isRiskAvailable ? fund.equity : nil)
        case .deleverage(let d):
            return Prepared(touched: try checkDeleverage(d))
        default:
            return Prepared()
        }
    }

    private func checkTime(_ t: Instant) throws(EngineError) {
        guard t == state.time else {
            throw .invalid(field: "time", reason: "\(t) is not the engine's time \(state.time)")
        }
    }

    /// The account, known and not a system account, with its liquidation open (`open`) or not.
    private func liquidated(_ name: String, open: Bool) throws(EngineError) -> AccountState {
        guard let account = state.accounts[name] else {
            throw .invalid(field: "account", reason: "unknown account \"\(name)\"")
        }
        guard !state.liquidation.isSystemAccount(name) else {
            throw .invalid(field: "account", reason: "\"\(name)\" is a system account")
        }
        guard (state.liquidations[name] != nil) == open else {
            throw .invalid(field: "account", reason: open ? "\"\(name)\" is not being liquidated"
                : "\"\(name)\" is already being liquidated")
        }
        return account
    }

    /// A step: a round has room; every fill against an existing level on the facing side, within the impact
    /// limit, its owner neither the account nor a system account, its size within the level's; a reduction never
    /// exceeds nor flips the position, a hedge trades the underlying's perpetual; the fee is the settings' fee;
    /// the account's MM falls; every maker passes ``PreTradeRule``.
    private func checkStep(_ step: LiquidationStep) throws(EngineError) -> [String] {
        try checkTime(step.time)
        let settings = state.liquidation
        let current = try liquidated(step.account, open: true)
        guard state.liquidations[step.account]?.mayStep(at: step.time, settings: settings) == true else {
            throw .invalid(field: "time", reason: "the round of \"\(step.account)\" has no step left")
        }
        let pricing = LiquidationPricing(state: state)
        guard let (instrument, valuation, index) = pricing.valuation(of: step.instrument) else {
            throw .invalid(field: "instrument", reason: "\"\(step.instrument)\" is not listed or cannot be valued")
        }
        guard let orderBook = state.books[step.instrument] else {
            throw .invalid(field: "instrument", reason: "\"\(step.instrument)\" has no book")
        }
        let mark = LiquidationPricing.mark(instrument, valuation)
        let limit = LiquidationPricing.limit(step.side, mark: mark, instrument: instrument, valuation: valuation,
                                             index: index, impact: Money.double(settings.impactLimit))
        var remaining = orderBook.levels(facing: step.side)
        for (i, f) in step.fills.enumerated() {
            guard f.account != step.account, !settings.isSystemAccount(f.account) else {
                throw .invalid(field: "fills[\(i)].account", reason: "\"\(f.account)\" may not fill a liquidation")
            }
            guard let k = remaining.firstIndex(where: { $0.price == f.price && $0.account == f.account }),
                  remaining[k].size >= f.size else {
                throw .invalid(field: "fills[\(i)]", reason: "no such resting level of that size")
            }
            guard LiquidationPricing.within(f.price, step.side, limit: limit) else {
                throw .invalid(field: "fills[\(i)].price", reason: "beyond the impact limit \(limit)")
            }
            remaining[k].size -= f.size
        }
        let delta = step.side == .buy ? step.quantity : -step.quantity
        let held = current.positions[step.instrument]?.quantity ?? 0
        switch step.action {
        case .reduce:
            guard held != 0, (held > 0) != (delta > 0), abs(delta) <= abs(held) else {
                throw .invalid(field: "fills", reason: "a reduction must shrink the position without flipping it")
            }
        case .hedge:
            guard instrument.kind == .perpetual else {
                throw .invalid(field: "instrument", reason: "a hedge trades the underlying's perpetual")
            }
        }
        let fee = LiquidationPricing.fee(step.fills, instrument: instrument, index: index, settings: settings)
        guard step.fee == fee, step.feeCurrency == Ledger.settlementCurrency(of: instrument) else {
            throw .invalid(field: "fee", reason:
                "the liquidation fee is \(Money.text(fee)) \(Ledger.settlementCurrency(of: instrument))")
        }
        // The account: its MM must fall (never increase MM). Makers: the pre-trade rule.
        var after = current
        var makers: [String: AccountState] = [:]
        var makerDelta: [String: Decimal] = [:]
        for f in step.fills {
            makerDelta[f.account, default: 0] += step.side == .sell ? f.size : -f.size
            var maker = makers[f.account] ?? state.accounts[f.account] ?? AccountState()
            if step.side == .sell {
                Ledger.trade(quantity: f.size, price: f.price, instrumentId: step.instrument, instrument: instrument,
                             buyer: &maker, seller: &after)
            } else {
                Ledger.trade(quantity: f.size, price: f.price, instrumentId: step.instrument, instrument: instrument,
                             buyer: &after, seller: &maker)
            }
            makers[f.account] = maker
        }
        after.balances[step.feeCurrency, default: 0] -= step.fee
        let before = margin(of: step.account) ?? book.hypothetical(current)
        let reduced = BaseLedger(book: book, account: current, name: step.account).margin(after: after,
                                                                                          changed: step.instrument)
        guard before.isRiskAvailable, reduced.isRiskAvailable,
              reduced.maintenanceMargin < before.maintenanceMargin else {
            throw .invalid(field: "fills", reason: "the step does not lower the account's maintenance margin")
        }
        for name in makers.keys.sorted() {
            guard let maker = makers[name], let was = state.accounts[name] else {
                throw .invalid(field: "fills", reason: "unknown account \"\(name)\"")
            }
            try checkSide(name, instrument: step.instrument, delta: makerDelta[name] ?? 0, before: was, after: maker)
        }
        return ([step.account, settings.insuranceFund] + makers.keys).uniqueSorted()
    }

    /// A takeover: every position of the account transferred whole (Σ transfers = the position, per instrument);
    /// receivers are listed backstops (each passes ``PreTradeRule`` on its share) or the insurance fund.
    private func checkTakeover(_ t: Takeover) throws(EngineError) -> [String] {
        try checkTime(t.time)
        let settings = state.liquidation
        let current = try liquidated(t.account, open: true)
        var moved: [String: Decimal] = [:]
        var receivers: [String: AccountState] = [:]
        var account = current
        for (i, x) in t.transfers.enumerated() {
            guard x.to == settings.insuranceFund || settings.backstops.contains(x.to), x.to != t.account,
                  state.liquidations[x.to] == nil, state.accounts[x.to] != nil || x.to == settings.insuranceFund else {
                throw .invalid(field: "transfers[\(i)].to",
                               reason: "\"\(x.to)\" is neither a backstop nor the insurance fund")
            }
            guard let instrument = state.instruments[x.instrument] else {
                throw .invalid(field: "transfers[\(i)].instrument", reason: "\"\(x.instrument)\" is not listed")
            }
            moved[x.instrument, default: 0] += x.quantity
            // The receiver's balances and the positions the takeover transfers to it (booking reads nothing else,
            // and the rule check below re-margins only those): a backstop's or the fund's whole ledger is not
            // copied per transfer. Taken out of `receivers` while it changes, so it changes in place.
            var r = receivers.removeValue(forKey: x.to) ?? {
                let was = state.accounts[x.to] ?? AccountState()
                var part = AccountState(balances: was.balances, health: was.health)
                for y in t.transfers where y.to == x.to { part.positions[y.instrument] = was.positions[y.instrument] }
                return part
            }()
            Ledger.transfer(x, instrument: instrument, from: &account, to: &r)
            receivers[x.to] = r
        }
        for id in Set(current.positions.keys).union(moved.keys).sorted()
            where (current.positions[id]?.quantity ?? 0) != (moved[id] ?? 0) {
            throw .invalid(field: "transfers", reason: "the transfers of \(id) do not add up to the account's position")
        }
        for name in receivers.keys.sorted() where name != settings.insuranceFund {
            guard let r = receivers[name], let was = state.accounts[name] else { continue }
            // The book's margin and ledger of the receiver (a backstop's is large): only its received positions
            // are converted again.
            let b = margin(of: name) ?? book.hypothetical(was)
            let a = BaseLedger(book: book, account: was, name: name)
                .margin(after: r, changing: t.transfers.filter { $0.to == name }.map(\.instrument).uniqueSorted())
            guard b.isRiskAvailable, a.isRiskAvailable else {
                throw .riskUnavailable(account: name, instrument: a.unpricedInstrument ?? b.unpricedInstrument ?? "")
            }
            try checkRule(name, before: b, after: a)
        }
        return ([t.account, settings.insuranceFund] + receivers.keys).uniqueSorted()
    }

    /// A deleverage fill: the bankrupt account's liquidation open; it and the counterparty each reduce a position
    /// without flipping it (opposite sides); the counterparty is neither a system account nor being liquidated.
    private func checkDeleverage(_ d: Deleverage) throws(EngineError) -> [String] {
        try checkTime(d.time)
        let current = try liquidated(d.account, open: true)
        guard let counterparty = state.accounts[d.counterparty], !state.liquidation.isSystemAccount(d.counterparty),
              state.liquidations[d.counterparty] == nil else {
            throw .invalid(field: "counterparty", reason: "\"\(d.counterparty)\" may not be deleveraged")
        }
        guard state.instruments[d.instrument] != nil else {
            throw .invalid(field: "instrument", reason: "\"\(d.instrument)\" is not listed")
        }
        let mine = current.positions[d.instrument]?.quantity ?? 0
        let theirs = counterparty.positions[d.instrument]?.quantity ?? 0
        let long = d.side == .sell
        guard mine != 0, (mine > 0) == long, d.quantity <= abs(mine) else {
            throw .invalid(field: "quantity", reason: "more than the bankrupt account's position, or the wrong side")
        }
        guard theirs != 0, (theirs > 0) != long, d.quantity <= abs(theirs) else {
            throw .invalid(field: "quantity", reason: "more than the counterparty's opposite position")
        }
        return [d.account, d.counterparty].uniqueSorted()
    }
}

extension Array where Element == String {
    /// The distinct names, sorted.
    func uniqueSorted() -> [String] { Array(Set(self)).sorted() }
}
