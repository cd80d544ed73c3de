import MarginLedger
import Foundation
import MarginCore

extension EngineCore {
    /// Checks `event` against the current state without changing anything: first by itself
    /// (``EngineEvent/validate()``: names, amounts, market values, parameters, correlation tables), then against the
    /// state (known accounts and instruments, balances, margin, what the market must keep priceable). Everything
    /// accepted here is journaled, and replays: the journal's decoders read back exactly what passes.
    ///
    /// - Throws: ``EngineError`` naming the field and why (or the margin shortfall, or the unpriceable instrument).
    func validate(_ event: EngineEvent) throws(EngineError) -> Prepared {
        try event.validate()
        var prepared = try validateAgainstState(event)
        prepared.footprint = LedgerFootprint(of: event, in: state)
        return prepared
    }

    /// The checks of ``validate(_:)`` against the state.
    private func validateAgainstState(_ event: EngineEvent) throws(EngineError) -> Prepared {
        switch event {
        case .deposit(let t):
            try checkCurrency(t.currency)
        case .withdrawal(let t):
            guard let current = state.accounts[t.account] else {
                throw .invalid(field: "account", reason: "unknown account \"\(t.account)\"")
            }
            try checkCurrency(t.currency)
            let balance = current.balances[t.currency] ?? 0
            guard balance >= t.amount else {
                throw .insufficientBalance(account: t.account, currency: t.currency, balance: Money.text(balance),
                                           requested: Money.text(t.amount))
            }
            var account = current
            account.balances[t.currency] = balance - t.amount
            try checkWithdrawalMargin(t.account, before: current, after: account)
        case .trade(let t):
            try checkTrade(t)
        case .market(let m):
            return Prepared(market: try checkMarket(m))
        case .listing(let l):
            guard state.instruments[l.id] == nil else { throw .invalid(field: "id", reason: "\"\(l.id)\" is already listed") }
            guard let market = state.markets[l.instrument.underlying] else {
                throw .invalid(field: "instrument.underlying", reason: "no market for \"\(l.instrument.underlying)\"")
            }
            if let expiry = l.instrument.expiry, expiry <= market.time {
                throw .invalid(field: "instrument.expiry", reason: "\(expiry) is not after the market time \(market.time)")
            }
            if l.instrument.option != nil, market.volSurface == nil {
                throw .invalid(field: "instrument", reason: "\(l.instrument.underlying) has no vol surface for options")
            }
            if let why = book.unpriceable(l.instrument, in: market) {
                throw .invalid(field: "instrument",
                               reason: "\(l.instrument) cannot be priced in the \(market.name) market: \(why)")
            }
        case .expiry(let e):
            guard let instrument = state.instruments[e.instrument] else {
                throw .invalid(field: "instrument", reason: "\"\(e.instrument)\" is not listed")
            }
            guard instrument.expiry != nil else {
                throw .invalid(field: "instrument", reason: "\"\(e.instrument)\" is a perpetual and does not expire")
            }
            let holders = state.accounts.filter { $0.value.positions[e.instrument] != nil }.keys.sorted()
            return Prepared(holders: holders)
        case .parameters:
            break  // ``RiskParameters/validate(path:)`` in ``EngineEvent/validate()``: nothing depends on the state.
        case .correlations(let table, _):
            try checkCorrelations(table)
        case .crossRate(let c):
            try checkCrossRate(c)
        case .correlationPolicy:
            break  // ``CorrelationPolicy/validate()`` in ``EngineEvent/validate()``: nothing depends on the state.
        case .health(let h):
            guard state.accounts[h.account] != nil else {
                throw .invalid(field: "account", reason: "unknown account \"\(h.account)\"")
            }
        case .frontEnd:
            break  // opaque: checked by itself (``FrontEndRecord/validate()``), never against the state
        case .book(let b):
            try checkBook(b)
        case .liquidationSettings:
            break  // ``LiquidationSettings/validate()`` in ``EngineEvent/validate()``.
        case .clock(let t):
            guard t >= state.time else {
                throw .invalid(field: "time", reason: "\(t) is before the engine's time \(state.time)")
            }
        case .marginCall, .liquidation, .liquidationEnd, .takeover, .deleverage, .alert:
            return try checkLiquidationAction(event)
        }
        return Prepared()
    }

    /// A market update: time never goes back, a new underlying needs an index, no listed instrument expires at or
    /// before the new time, the merged market is valid (``MarketUpdate/applied(to:)``: forwards and surface
    /// expiries after the new time, good quotes), and it keeps every listed option priceable: a surface cannot be
    /// removed while an option of the underlying is listed (fail closed; the error names the option).
    private func checkMarket(_ m: MarketUpdate) throws(EngineError) -> UnderlyingMarket {
        let current = state.markets[m.underlying]
        if let current {
            guard m.time >= current.time else {
                throw .invalid(field: "time", reason: "\(m.time) is before the current valuation time \(current.time)")
            }
        } else {
            guard m.index != nil else { throw .invalid(field: "index", reason: "required for a new underlying") }
        }
        if let u = book.underlyingSlot[m.underlying] {
            for slot in book.instrumentsOf[u] {
                if let expiry = book.instruments[Int(slot)].expiry, expiry <= m.time {
                    let instrument = book.instruments[Int(slot)]
                    throw .invalid(field: "time", reason:
                        "\(instrument) expires at \(expiry); expire it before moving time to \(m.time)")
                }
            }
        }
        var market: UnderlyingMarket?
        try EngineError.checking { () throws(InputError) in market = try m.applied(to: current) }
        guard let market else { throw .invalid(field: "underlying", reason: "no market") }
        if market.volSurface == nil, let id = book.listedOptions(of: m.underlying).first {
            throw .invalid(field: "volSurface", reason:
                "option \"\(id)\" is listed on \(m.underlying): the update would leave it without a vol surface")
        }
        return market
    }

    /// Every pair names two different underlyings with a market, ρ is finite in [−1, 1], and the matrix over every
    /// underlying is positive definite as the core's ``CorrelationModel`` builds it (ρ clamped to [−0.99, 0.99]).
    /// Unlisted pairs have ρ = 0, so every account's sub-matrix (what ``MarginCalculator`` checks) is then positive
    /// definite too: a principal sub-matrix of a positive definite matrix is.
    private func checkCorrelations(_ table: CorrelationTable) throws(EngineError) {
        for (a, b, _) in table.pairs {
            for name in [a, b] where state.markets[name] == nil {
                throw .invalid(field: "correlations[\(a)/\(b)]", reason: "no market for \"\(name)\"")
            }
        }
        do {
            _ = try CorrelationModel(names: state.markets.keys.sorted(), table: table)
        } catch {
            guard case .invalid(let path, let reason) = error else { throw EngineError.input(error) }
            throw .invalid(field: path.hasPrefix("$.") ? String(path.dropFirst(2)) : path, reason: reason)
        }
    }

    /// A cross rate: both legs have a market with a vol surface, time never goes back for the pair, the market
    /// builds (`market.json`'s domains), and its vols are consistent with its legs' now: the implied correlation at
    /// the policy's tenor (30 days without a policy) is in [−1, 1] (fail closed: an inconsistent cross is refused,
    /// never clamped).
    private func checkCrossRate(_ c: CrossRateUpdate) throws(EngineError) {
        for (field, name) in [("base", c.base), ("quote", c.quote)] {
            guard let m = state.markets[name] else { throw .invalid(field: field, reason: "no market for \"\(name)\"") }
            guard m.volSurface != nil else {
                throw .invalid(field: field, reason: "\(name) has no vol surface: \(c.name) implies nothing without it")
            }
        }
        if let current = state.crossRates[c.pair], c.time < current.market.valuationTime {
            throw .invalid(field: "time", reason:
                "\(c.time) is before the cross's current valuation time \(current.market.valuationTime)")
        }
        var built: CrossRate?
        try EngineError.checking { () throws(InputError) in built = try c.crossRate() }
        guard let cross = built else { throw .invalid(field: "volSurface", reason: "no market") }
        let legs = state.markets.filter { $0.key == c.base || $0.key == c.quote }
        let time = max(c.time, legs.values.map(\.valuationTime).max() ?? c.time)
        let tenor = state.correlationPolicy?.impliedTenorYears ?? 30.0 / 365
        do {
            let snapshot = MarketSnapshot(valuationTime: time, underlyings: legs, crossRates: [cross])
            _ = try ImpliedCorrelation(snapshot: snapshot, tenorYears: tenor)
        } catch {
            let reason: String
            if case .invalid(_, let r) = error { reason = r } else { reason = "\(error)" }
            throw .invalid(field: "volSurface", reason: reason)
        }
    }

    func checkCurrency(_ currency: String, field: String = "currency") throws(EngineError) {
        guard Portfolio.stablecoins.contains(currency) || state.markets[currency] != nil else {
            throw .invalid(field: field, reason: "\"\(currency)\" is neither a stablecoin nor an underlying with a market")
        }
    }

    /// A trade: both accounts known (deposit first) and neither a system account (the insurance fund, the fee
    /// account), the instrument listed, the fee currency known, fees and price within ``TradeRules``
    /// (``checkTradeRules(_:instrument:)``); each side passes ``PreTradeRule`` on its own hypothetical margin before
    /// and after (its fee included).
    private func checkTrade(_ t: Trade) throws(EngineError) {
        for (name, field) in [(t.buyer, "buyer"), (t.seller, "seller")] {
            guard state.accounts[name] != nil else {
                throw .invalid(field: field, reason: "unknown account \"\(name)\" (deposit first)")
            }
            guard !state.liquidation.isSystemAccount(name) else {
                throw .invalid(field: field,
                               reason: "\"\(name)\" is a system account (insurance fund or fees): it does not trade")
            }
        }
        guard let instrument = state.instruments[t.instrument] else {
            throw .invalid(field: "instrument", reason: "\"\(t.instrument)\" is not listed")
        }
        try checkCurrency(t.feeCurrency, field: "feeCurrency")
        try checkTradeRules(t, instrument: instrument)
        let buyer = state.accounts[t.buyer] ?? AccountState()
        let seller = state.accounts[t.seller] ?? AccountState()
        var b = buyer
        var s = seller
        Ledger.trade(quantity: t.quantity, price: t.price, instrumentId: t.instrument, instrument: instrument,
                     buyer: &b, seller: &s)
        b.balances[t.feeCurrency, default: 0] -= t.buyerFee
        s.balances[t.feeCurrency, default: 0] -= t.sellerFee
        try checkSide(t.buyer, instrument: t.instrument, delta: t.quantity, before: buyer, after: b)
        try checkSide(t.seller, instrument: t.instrument, delta: -t.quantity, before: seller, after: s)
    }

    /// One side of a trade passes ``PreTradeRule``: equity ≥ IM after it, or it lowers MM without lowering equity −
    /// IM (an account below IM may trade down). Anything else is rejected with the shortfall.
    ///
    /// Fail closed: when the account's risk is unavailable before or after the trade (it holds an instrument whose
    /// risk array cannot be computed), its margin is unknown and the rule cannot be read; only a trade that reduces
    /// the size of an existing position without flipping it is accepted, anything else is rejected naming the
    /// instrument.
    ///
    /// `before` is the account's current ledger: its margin before is the book's (bit for bit what
    /// ``RiskBook/hypothetical(_:)`` gives), and its margin after re-margins the book's own form of the ledger with
    /// the one changed position patched (``BaseLedger``), so that a trade against an account with thousands of
    /// positions (a liquidity provider) converts only what changed.
    func checkSide(_ name: String, instrument id: String, delta: Decimal, before: AccountState,
                   after: AccountState) throws(EngineError) {
        let b = margin(of: name) ?? book.hypothetical(before)
        let a = BaseLedger(book: book, account: before, name: name).margin(after: after, changed: id)
        if let error = book.sideCheck(name, instrument: id, delta: delta, before: before, beforeMargin: b,
                                      afterMargin: a) { throw error }
    }

    /// Applies ``PreTradeRule`` to an account's margins before and after a change (USD).
    func checkRule(_ name: String, before b: AccountMargin, after m: AccountMargin) throws(EngineError) {
        if let error = RiskBook.ruleCheck(name, before: b, after: m) { throw error }
    }

    /// A withdrawal passes ``PreTradeRule`` too (for a withdrawal it amounts to equity ≥ IM after it); an account
    /// whose risk is unavailable withdraws nothing (its margin is unknown).
    private func checkWithdrawalMargin(_ name: String, before: AccountState, after: AccountState) throws(EngineError) {
        let b = book.hypothetical(before)
        if let id = b.unpricedInstrument { throw .riskUnavailable(account: name, instrument: id) }
        try checkRule(name, before: b, after: book.hypothetical(after))
    }
}
