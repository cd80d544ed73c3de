import MarginLedger
import MarginCore

/// The hot-loop form of the accounts a plan changed (``LiquidationPlanner/ledgers``).
///
/// A liquidity provider, a backstop or the insurance fund holds thousands of positions; every step changes one of
/// them (or only a balance). Converting such a ledger again on every margin of it (``RiskBook/orderedSlots(of:)``)
/// was most of the planner's time: instead the planner keeps each changed account's ordered slots and patches the
/// positions an action changes (``RiskBook/orderedSlots(base:changed:patch:)``): the same slots, in the same order,
/// so every margin computed from them is bit-identical to converting the whole ledger (checked after every action
/// in debug builds, and by `PlannerLedgerTests`).
extension LiquidationPlanner {
    /// The instruments whose positions `event` changes, per account (`nil`: every position of the account, or
    /// not known: converted again); balances may change too.
    static func ledgerChanges(_ event: EngineEvent) -> [String: [String]?] {
        switch event {
        case .liquidation(let step):
            var out: [String: [String]?] = [step.account: [step.instrument]]
            for f in step.fills { out[f.account] = [step.instrument] }
            return out
        case .takeover(let t):
            var out: [String: [String]?] = [:]
            for x in t.transfers {
                let known = (out[x.to] ?? []) ?? []
                out[x.to] = known + [x.instrument]
            }
            out[t.account] = .some(nil)
            return out
        case .deleverage(let d):
            return [d.account: [d.instrument], d.counterparty: [d.instrument]]
        default:
            return [:]
        }
    }

    /// Brings the kept ledgers of the accounts `event` changed up to date with the scratch state (just applied):
    /// `names` are the accounts the action touches. An account not kept yet starts from the book's slab (if the plan
    /// had not changed it) and is patched; one whose changes are not known is converted again.
    mutating func updateLedgers(after event: EngineEvent, touching names: [String], wasTouched: Set<String>) {
        let changes = Self.ledgerChanges(event)
        for name in Set(names).union(changes.keys) {
            guard let account = scratch.accounts[name] else {
                ledgers[name] = nil
                continue
            }
            let before: [(id: String, slot: PositionSlot)]?
            if let kept = ledgers[name] {
                before = kept
            } else if !wasTouched.contains(name), let a = book.accountSlot[name] {
                before = book.positions(of: Int(a)).map { (book.instrumentIds[Int($0.instrument)], $0) }
            } else {
                before = nil
            }
            // An account the event does not list changed at most its balances (the fund's fee).
            let changed: [String]? = changes[name] ?? []
            if let before, let changed {
                var patch = AccountState(balances: account.balances, health: account.health)
                for id in changed { patch.positions[id] = account.positions[id] }
                ledgers[name] = book.orderedSlots(base: before, changed: changed, patch: patch)
            } else {
                ledgers[name] = book.orderedSlots(of: account)
            }
            assert(Self.sameSlots(ledgers[name] ?? [], book.orderedSlots(of: account)),
                   "the kept ledger of \(name) differs from its conversion after \(event.kind)")
        }
    }

    /// The ledger of `name` in the scratch state in hot-loop form: the kept one, else the book's (when the plan has
    /// not changed it), else converted.
    func ledger(_ name: String) -> BaseLedger {
        let account = scratch.accounts[name] ?? AccountState()
        if let kept = ledgers[name] { return BaseLedger(book: book, positions: kept, health: account.health) }
        return BaseLedger(book: book, account: account, name: touched.contains(name) ? nil : name)
    }

    /// Whether two ledgers' slots are the same, bit for bit (entry prices may be NaN).
    static func sameSlots(_ a: [(id: String, slot: PositionSlot)], _ b: [(id: String, slot: PositionSlot)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.id == y.id && x.slot.instrument == y.slot.instrument && x.slot.underlying == y.slot.underlying
                && x.slot.size.bitPattern == y.slot.size.bitPattern
                && x.slot.entry.bitPattern == y.slot.entry.bitPattern
        }
    }
}
