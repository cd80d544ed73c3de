import Foundation
import MarginCore

/// What validation computed that applying reuses.
struct Prepared {
    /// The new market of a market event.
    var market: UnderlyingMarket?
    /// Accounts holding an expiring instrument (before settlement), sorted.
    var holders: [String] = []
}

extension EngineCore {
    /// Checks `event` against the current state without changing anything.
    ///
    /// - Throws: ``EngineError`` naming the field and why (or the margin shortfall).
    func validate(_ event: EngineEvent) throws(EngineError) -> Prepared {
        switch event {
        case .deposit(let t):
            try checkName(t.account, field: "account")
            try checkCurrency(t.currency)
            guard t.amount > 0 else { throw .invalid(field: "amount", reason: "must be > 0, got \(Money.text(t.amount))") }
        case .withdrawal(let t):
            guard let current = state.accounts[t.account] else {
                throw .invalid(field: "account", reason: "unknown account \"\(t.account)\"")
            }
            try checkCurrency(t.currency)
            guard t.amount > 0 else { throw .invalid(field: "amount", reason: "must be > 0, got \(Money.text(t.amount))") }
            let balance = current.balances[t.currency] ?? 0
            guard balance >= t.amount else {
                throw .insufficientBalance(account: t.account, currency: t.currency, balance: Money.text(balance),
                                           requested: Money.text(t.amount))
            }
            var account = current
            account.balances[t.currency] = balance - t.amount
            try checkWithdrawalMargin(t.account, before: current, after: account)
        case .fill(let f):
            guard let current = state.accounts[f.account] else {
                throw .invalid(field: "account", reason: "unknown account \"\(f.account)\" (deposit first)")
            }
            guard let instrument = state.instruments[f.instrument] else {
                throw .invalid(field: "instrument", reason: "\"\(f.instrument)\" is not listed")
            }
            guard f.quantity != 0 else { throw .invalid(field: "quantity", reason: "must not be 0") }
            guard f.price > 0 else { throw .invalid(field: "price", reason: "must be > 0, got \(Money.text(f.price))") }
            try checkCurrency(f.feeCurrency, field: "feeCurrency")
            var account = current
            EngineState.applyFill(f, instrument: instrument, to: &account)
            try checkFillMargin(f.account, before: current, after: account)
        case .market(let m):
            try checkName(m.underlying, field: "underlying")
            guard !Portfolio.stablecoins.contains(m.underlying) else {
                throw .invalid(field: "underlying", reason: "\"\(m.underlying)\" is a stablecoin")
            }
            var market: MarketState
            if let current = state.markets[m.underlying] {
                guard m.time >= current.time else {
                    throw .invalid(field: "time", reason: "\(m.time) is before the current valuation time \(current.time)")
                }
                market = current
            } else {
                guard m.index != nil else { throw .invalid(field: "index", reason: "required for a new underlying") }
                market = MarketState(name: m.underlying, time: m.time, index: 0)
            }
            if let index = m.index {
                guard index.isFinite, index > 0 else { throw .invalid(field: "index", reason: "must be a finite number > 0") }
                market.index = index
            }
            if let rate = m.rate {
                guard rate.isFinite, abs(rate) <= 1 else { throw .invalid(field: "rate", reason: "must be in [-1, 1]") }
                market.rate = rate
            }
            if let forwards = m.forwards {
                for (t, f) in forwards where !(f.isFinite && f > 0) {
                    throw .invalid(field: "forwards.\(t.iso8601)", reason: "must be a finite number > 0")
                }
                market.forwards = forwards
            }
            if let surface = m.surface { market.surface = surface }
            market.time = m.time
            if let u = book.underlyingSlot[m.underlying] {
                for slot in book.instrumentsOf[u] {
                    if let expiry = book.instruments[Int(slot)].expiry, expiry <= m.time {
                        throw .invalid(field: "time", reason:
                            "\(book.instruments[Int(slot)]) expires at \(expiry); expire it before moving time to \(m.time)")
                    }
                }
            }
            do {
                return Prepared(market: try market.underlyingMarket())
            } catch {
                throw EngineError.invalid(field: error.path, reason: error.description)
            }
        case .listing(let l):
            try checkName(l.id, field: "id")
            guard state.instruments[l.id] == nil else { throw .invalid(field: "id", reason: "\"\(l.id)\" is already listed") }
            guard let market = state.markets[l.instrument.underlying] else {
                throw .invalid(field: "instrument.underlying", reason: "no market for \"\(l.instrument.underlying)\"")
            }
            if let expiry = l.instrument.expiry, expiry <= market.time {
                throw .invalid(field: "instrument.expiry", reason: "\(expiry) is not after the market time \(market.time)")
            }
            if let c = l.instrument.option {
                guard c.strike.isFinite, c.strike > 0 else {
                    throw .invalid(field: "instrument.strike", reason: "must be a finite number > 0")
                }
                guard market.surface != nil else {
                    throw .invalid(field: "instrument", reason: "\(l.instrument.underlying) has no vol surface for options")
                }
            }
        case .expiry(let e):
            guard let instrument = state.instruments[e.instrument] else {
                throw .invalid(field: "instrument", reason: "\"\(e.instrument)\" is not listed")
            }
            guard instrument.expiry != nil else {
                throw .invalid(field: "instrument", reason: "\"\(e.instrument)\" is a perpetual and does not expire")
            }
            guard e.settlementPrice > 0 else { throw .invalid(field: "settlementPrice", reason: "must be > 0") }
            let holders = state.accounts.filter { $0.value.positions[e.instrument] != nil }.keys.sorted()
            return Prepared(holders: holders)
        case .parameters:
            break
        case .correlations(let table):
            try checkCorrelations(table)
        case .health(let h):
            guard state.accounts[h.account] != nil else {
                throw .invalid(field: "account", reason: "unknown account \"\(h.account)\"")
            }
        }
        return Prepared()
    }

    /// Every pair names two different underlyings with a market, ρ is finite in [−1, 1], and the matrix over every
    /// underlying is positive definite as the core's ``CorrelationModel`` builds it (ρ clamped to [−0.99, 0.99]).
    /// Unlisted pairs have ρ = 0, so every account's sub-matrix (what ``MarginCalculator`` checks) is then positive
    /// definite too: a principal sub-matrix of a positive definite matrix is.
    private func checkCorrelations(_ table: CorrelationTable) throws(EngineError) {
        for (a, b, rho) in table.pairs {
            let field = "correlations[\(a)/\(b)]"
            guard a != b else {
                throw .invalid(field: field, reason: "pairs \(a) with itself (its correlation is 1 by definition)")
            }
            for name in [a, b] where state.markets[name] == nil {
                throw .invalid(field: field, reason: "no market for \"\(name)\"")
            }
            guard rho.isFinite, rho >= -1, rho <= 1 else {
                throw .invalid(field: "\(field).rho", reason: "must be a finite number in [-1, 1], got \(rho)")
            }
        }
        do {
            _ = try CorrelationModel(names: state.markets.keys.sorted(), table: table)
        } catch {
            guard case .invalid(let path, let reason) = error else { throw EngineError.input(error) }
            throw .invalid(field: path.hasPrefix("$.") ? String(path.dropFirst(2)) : path, reason: reason)
        }
    }

    private func checkName(_ name: String, field: String) throws(EngineError) {
        guard !name.isEmpty, name.count <= 128 else { throw .invalid(field: field, reason: "must be 1 to 128 characters") }
    }

    private func checkCurrency(_ currency: String, field: String = "currency") throws(EngineError) {
        guard Portfolio.stablecoins.contains(currency) || state.markets[currency] != nil else {
            throw .invalid(field: field, reason: "\"\(currency)\" is neither a stablecoin nor an underlying with a market")
        }
    }

    /// A fill passes ``PreTradeRule``: equity ≥ IM after it, or it lowers MM without lowering equity − IM (an
    /// account below IM may trade down). Anything else is rejected with the shortfall.
    private func checkFillMargin(_ name: String, before: AccountState, after: AccountState) throws(EngineError) {
        try checkRule(name, before: book.hypothetical(before), after: book.hypothetical(after))
    }

    /// Applies ``PreTradeRule`` to an account's margins before and after a change (USD).
    private func checkRule(_ name: String, before b: AccountMargin, after m: AccountMargin) throws(EngineError) {
        let decision = PreTradeRule.evaluate(before: b.figures, after: m.figures)
        guard decision.accepted else {
            throw .belowInitialMargin(account: name, equity: m.equity, initialMargin: m.initialMargin)
        }
    }

    /// A withdrawal passes ``PreTradeRule`` too (for a withdrawal it amounts to equity ≥ IM after it).
    private func checkWithdrawalMargin(_ name: String, before: AccountState, after: AccountState) throws(EngineError) {
        try checkRule(name, before: book.hypothetical(before), after: book.hypothetical(after))
    }
}
