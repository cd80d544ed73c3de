import Foundation
import MarginCore
import MarginLedger

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

    /// A ledger already in hot-loop form (`positions` in the slab's order, ``RiskBook/orderedSlots(of:)``).
    init(book: RiskBook, positions: [(id: String, slot: PositionSlot)], health: Health) {
        self.book = book
        self.health = health
        self.positions = positions
        screen = nil
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

    /// The margin of `after`, which differs from the base ledger in the positions of the instruments `changed` and
    /// in its balances (a takeover's receiver): only those positions are converted again
    /// (``RiskBook/orderedSlots(base:changed:patch:)``); the same margin as ``RiskBook/hypothetical(_:)`` of
    /// `after`.
    func margin(after: AccountState, changing changed: [String]) -> AccountMargin {
        var patch = AccountState(balances: after.balances, health: after.health)
        for id in changed { patch.positions[id] = after.positions[id] }
        let slots = book.orderedSlots(base: positions, changed: changed, patch: patch)
        let (coins, stable) = book.balanceSlots(after.balances)
        return book.hypothetical(positions: slots.map(\.slot), coins: coins, stable: stable, health: after.health)
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
