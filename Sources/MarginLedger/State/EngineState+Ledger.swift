import Foundation
import MarginCore

// Applying the ledger's events: two-sided trades, expiries, and the liquidation actions, all through ``Ledger``'s
// booking rules (one value per trade, two sides, amounts at the ledger's scale).

extension EngineState {
    /// `buyer` buys from `seller` (no fees here), creating either account on first sight.
    package mutating func book(quantity: Decimal, price: Decimal, instrument id: String, buyer: String, seller: String) {
        guard let instrument = instruments[id], buyer != seller else { return }
        changing(buyer, seller) { b, s in
            Ledger.trade(quantity: quantity, price: price, instrumentId: id, instrument: instrument, buyer: &b, seller: &s)
        }
    }

    /// Changes two distinct accounts in place (each created empty when absent): each is moved out of ``accounts``
    /// while `body` runs, so that its ledger is uniquely referenced and changes without a copy. Copying it back
    /// from a `var` would copy a market maker's, a backstop's or the insurance fund's thousands of positions on
    /// every fill and every transfer.
    private mutating func changing(_ x: String, _ y: String,
                                   _ body: (inout AccountState, inout AccountState) -> Void) {
        precondition(x != y, "changing an account against itself")
        var a = AccountState()
        var b = AccountState()
        swap(&a, &accounts[x, default: AccountState()])
        swap(&b, &accounts[y, default: AccountState()])
        body(&a, &b)
        swap(&a, &accounts[x, default: AccountState()])
        swap(&b, &accounts[y, default: AccountState()])
    }

    /// Moves `amount` of `currency` from one account to another (exact).
    package mutating func move(_ amount: Decimal, _ currency: String, from: String, to: String) {
        guard amount != 0, from != to else { return }
        accounts[from, default: AccountState()].balances[currency, default: 0] -= amount
        accounts[to, default: AccountState()].balances[currency, default: 0] += amount
    }

    /// A trade and its fees (each side's fee to the fee account).
    package mutating func applyTrade(_ t: Trade) {
        book(quantity: t.quantity, price: t.price, instrument: t.instrument, buyer: t.buyer, seller: t.seller)
        move(t.buyerFee, t.feeCurrency, from: t.buyer, to: liquidation.feeAccount)
        move(t.sellerFee, t.feeCurrency, from: t.seller, to: liquidation.feeAccount)
    }

    /// Settles every position in the instrument (``Ledger/settlement(of:instrument:at:)``), the rounding residue to
    /// the fee account, and delists it (and its book).
    package mutating func applyExpiry(_ e: Expiry) {
        guard let instrument = instruments[e.instrument] else { return }
        let cash = Ledger.settlementCurrency(of: instrument)
        var residue: Decimal = 0
        for name in accounts.keys.sorted() {
            guard var account = accounts[name], let position = account.positions[e.instrument] else { continue }
            let paid = Ledger.settlement(of: position, instrument: instrument, at: e.settlementPrice)
            account.balances[cash, default: 0] += paid
            // The change of the account's conserved sum: the payment, and the cost basis it leaves.
            switch (instrument.option != nil, instrument.settlement) {
            case (true, _): residue -= paid
            case (false, .linear): residue -= paid + position.cost
            case (false, .inverse): residue -= paid - position.cost
            }
            account.positions[e.instrument] = nil
            accounts[name] = account
        }
        if residue != 0 {
            accounts[liquidation.feeAccount, default: AccountState()].balances[cash, default: 0] += residue
        }
        instruments[e.instrument] = nil
        books[e.instrument] = nil
    }

    /// The step's fills between the account and the makers (consuming their levels), the fee to the fund, and the
    /// round's count.
    package mutating func applyLiquidationStep(_ step: LiquidationStep) {
        for f in step.fills {
            let maker = f.account
            let (buyer, seller) = step.side == .sell ? (maker, step.account) : (step.account, maker)
            book(quantity: f.size, price: f.price, instrument: step.instrument, buyer: buyer, seller: seller)
        }
        if let b = books[step.instrument] {
            let after = b.consuming(step.fills, side: step.side)
            books[step.instrument] = after.bids.isEmpty && after.asks.isEmpty ? nil : after
        }
        move(step.fee, step.feeCurrency, from: step.account, to: liquidation.insuranceFund)
        if let episode = liquidations[step.account] {
            liquidations[step.account] = episode.stepped(at: step.time, settings: liquidation)
        }
    }

    /// Every transfer (a trade between the account and the receiver at the transfer's price), then every balance
    /// of the account to the insurance fund; the liquidation closes.
    package mutating func applyTakeover(_ t: Takeover) {
        for x in t.transfers {
            guard let instrument = instruments[x.instrument], x.to != t.account else { continue }
            changing(t.account, x.to) { account, receiver in
                Ledger.transfer(x, instrument: instrument, from: &account, to: &receiver)
            }
        }
        let fund = liquidation.insuranceFund
        if t.account != fund, let account = accounts[t.account] {
            for currency in account.balances.keys.sorted() {
                move(account.balances[currency] ?? 0, currency, from: t.account, to: fund)
            }
            accounts[t.account]?.balances = [:]
        }
        liquidations[t.account] = nil
    }

    /// The bankrupt account closes against the counterparty at the bankruptcy price.
    package mutating func applyDeleverage(_ d: Deleverage) {
        let (buyer, seller) = d.side == .sell ? (d.counterparty, d.account) : (d.account, d.counterparty)
        book(quantity: d.quantity, price: d.price, instrument: d.instrument, buyer: buyer, seller: seller)
    }
}
