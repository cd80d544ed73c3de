import MarginLedger
import Foundation
import MarginCore

/// The ledger sums an event may change, measured over the accounts, currencies and instruments it touches, before
/// it is applied; ``violation(after:)`` measures them again after. The money sum (``Ledger``) of the footprint must
/// change by exactly the event's deposits minus withdrawals, and the open interest of each of its instruments by
/// exactly 0. O(accounts touched × (currencies + instruments)) per event: cheap enough for every event.
struct LedgerFootprint {
    var accounts: [String]
    var instruments: [String]
    var currencies: [String]
    /// What the money sums must change by (deposits − withdrawals).
    var expected: [String: Decimal] = [:]
    var sums: [String: Decimal] = [:]
    var openInterest: [String: Decimal] = [:]

    /// The footprint of `event` in `state` (before it), or `nil` for events that move no money or positions.
    init?(of event: EngineEvent, in state: EngineState) {
        let settings = state.liquidation
        func settle(_ id: String) -> String? { state.instruments[id].map(Ledger.settlementCurrency(of:)) }
        switch event {
        case .deposit(let t), .withdrawal(let t):
            accounts = [t.account]
            instruments = []
            currencies = [t.currency]
            if case .deposit = event { expected[t.currency] = t.amount } else { expected[t.currency] = -t.amount }
        case .trade(let t):
            accounts = [t.buyer, t.seller, settings.feeAccount]
            instruments = [t.instrument]
            currencies = [settle(t.instrument), t.feeCurrency].compactMap { $0 }
        case .expiry(let e):
            accounts = state.accounts.filter { $0.value.positions[e.instrument] != nil }.map(\.key)
                + [settings.feeAccount]
            instruments = [e.instrument]
            currencies = [settle(e.instrument)].compactMap { $0 }
        case .liquidation(let s):
            accounts = [s.account, settings.insuranceFund] + s.fills.map(\.account)
            instruments = [s.instrument]
            currencies = [settle(s.instrument), s.feeCurrency].compactMap { $0 }
        case .takeover(let t):
            let account = state.accounts[t.account] ?? AccountState()
            accounts = [t.account, settings.insuranceFund] + t.transfers.map(\.to)
            instruments = Array(Set(account.positions.keys).union(t.transfers.map(\.instrument)))
            currencies = Array(Set(account.balances.keys).union(instruments.compactMap(settle)))
        case .deleverage(let d):
            accounts = [d.account, d.counterparty]
            instruments = [d.instrument]
            currencies = [settle(d.instrument)].compactMap { $0 }
        default:
            return nil
        }
        accounts = Array(Set(accounts)).sorted()
        instruments = Array(Set(instruments)).sorted()
        currencies = Array(Set(currencies)).sorted()
        (sums, openInterest) = measure(in: state)
    }

    /// The money sums per currency and the open interest per instrument over the footprint, in `state`.
    func measure(in state: EngineState) -> (sums: [String: Decimal], openInterest: [String: Decimal]) {
        var sums: [String: Decimal] = [:]
        var oi: [String: Decimal] = [:]
        for c in currencies { sums[c] = 0 }
        for id in instruments { oi[id] = 0 }
        for name in accounts {
            guard let a = state.accounts[name] else { continue }
            for c in currencies { sums[c, default: 0] += a.balances[c] ?? 0 }
            for id in instruments {
                guard let p = a.positions[id] else { continue }
                oi[id, default: 0] += p.quantity
                guard let instrument = state.instruments[id], instrument.option == nil else { continue }
                let c = Ledger.settlementCurrency(of: instrument)
                guard sums[c] != nil else { continue }
                sums[c, default: 0] += instrument.settlement == .linear ? -p.cost : p.cost
            }
        }
        return (sums, oi)
    }

    /// What broke, or `nil`: a money sum that changed by anything but the event's deposits − withdrawals, or an
    /// open interest that changed.
    func violation(after state: EngineState) -> String? {
        let (after, oi) = measure(in: state)
        for c in currencies {
            let change = (after[c] ?? 0) - (sums[c] ?? 0)
            let expected = self.expected[c] ?? 0
            if change != expected {
                return "money: \(c) changed by \(Money.text(change)), expected \(Money.text(expected))"
            }
        }
        for id in instruments where (oi[id] ?? 0) != (openInterest[id] ?? 0) {
            return "open interest of \(id) changed by \(Money.text((oi[id] ?? 0) - (openInterest[id] ?? 0)))"
        }
        return nil
    }
}

/// The ledger's invariant violations seen by the live engine (docs/LIQUIDATION.md, "Invariants"): each event's
/// footprint (``LedgerFootprint``), an account taken over left flat; and the losses nobody covered (a takeover that
/// left the insurance fund negative, or more negative than it was), which are reported but do not halt.
/// The first unreported violation is ``pending`` until the planner journals it as an ``LiquidationAlert`` (which
/// halts liquidation). Derived data of the live engine, never journaled itself.
final class LedgerAudit {
    /// Every violation seen (at most 1,000 kept), oldest first.
    private(set) var violations: [String] = []
    /// The violation the next ``EngineCore/liquidationActions()`` journals as an alert.
    var pending: String?
    /// Losses nobody covered, not yet journaled as `uncoveredLoss` alerts (USD).
    var uncovered: [(reason: String, amount: Double)] = []

    func record(_ violation: String) {
        if violations.count < 1_000 { violations.append(violation) }
        if pending == nil { pending = violation }
    }

    /// The audit's content at one moment (``DurableMark``: a batch rolled back restores it).
    struct Snapshot {
        var violations: [String]
        var pending: String?
        var uncovered: [(reason: String, amount: Double)]
    }

    var snapshot: Snapshot { Snapshot(violations: violations, pending: pending, uncovered: uncovered) }

    func restore(_ s: Snapshot) {
        violations = s.violations
        pending = s.pending
        uncovered = s.uncovered
    }
}

extension EngineCore {
    /// After an event was applied and re-margined: its footprint check, the liquidation checks (an account taken
    /// over is flat with no balance; whether a takeover left the insurance fund negative, or more negative than it
    /// was), and the notice of a liquidation action (``EngineEvent/isLiquidationAction``).
    func afterLedgerEvent(_ event: EngineEvent, prepared: Prepared) {
        if let footprint = prepared.footprint, let v = footprint.violation(after: state) {
            ledgerAudit.record("sequence \(state.sequence) (\(event.kind)): \(v)")
        }
        switch event {
        case .takeover(let t):
            if let a = state.accounts[t.account],
               !a.positions.isEmpty || a.balances.values.contains(where: { $0 != 0 }) {
                ledgerAudit.record("sequence \(state.sequence) (takeover): \(t.account) is not flat after its takeover")
            }
            checkFund(after: event, before: prepared.fundEquityBefore)
        case .alert(let a):
            if a.kind == .violation {
                ledgerAudit.pending = nil
            } else if let i = ledgerAudit.uncovered.firstIndex(where: { $0.reason == a.reason }) {
                ledgerAudit.uncovered.remove(at: i)
            }
        default:
            break
        }
        if event.isLiquidationAction { onLiquidationNotice?(event) }
    }

    /// A takeover that leaves the insurance fund's equity negative, or more negative than it was, is a loss
    /// nobody covered (auto-deleveraging found no eligible counterparty): reported as an `uncoveredLoss` alert. The
    /// ledger is still exact (the fund's balance went negative), so liquidation goes on.
    private func checkFund(after event: EngineEvent, before: Double?) {
        let fund = state.liquidation.insuranceFund
        guard let m = margin(of: fund), m.isRiskAvailable, let before, m.equity < min(before, 0) else { return }
        let reason = "sequence \(state.sequence) (\(event.kind)): insurance fund \(fund) equity \(before) → "
            + "\(m.equity) USD: a loss no eligible counterparty could take"
        ledgerAudit.uncovered.append((reason, min(before, 0) - m.equity))
    }

    /// The ledger's invariants over the whole state (tests call it after every step; O(accounts × positions)):
    /// 1. money: per currency, Σ over every account of its balance, minus the cost of its linear futures and
    ///    perpetuals (USD), plus the cost of its inverse ones (their coin), equals Σ deposits − Σ withdrawals,
    ///    exactly;
    /// 2. open interest: Σ quantity over every account is 0 for every listed instrument;
    /// 3. liquidation: every violation the live engine saw (an account left not flat after its takeover, an event
    ///    that moved money or open interest: ``LedgerAudit``). A loss nobody could cover (the insurance fund left
    ///    negative) is not a violation of the ledger: it is reported as an `uncoveredLoss` alert.
    /// - Returns: the violations, empty when every invariant holds.
    package func checkInvariants() -> [String] {
        var out: [String] = []
        var money: [String: Decimal] = [:]
        var oi: [String: Decimal] = [:]
        for name in state.accounts.keys.sorted() {
            guard let a = state.accounts[name] else { continue }
            for (c, v) in Ledger.contribution(of: a, instruments: state.instruments) { money[c, default: 0] += v }
            for (id, p) in a.positions { oi[id, default: 0] += p.quantity }
        }
        let currencies = Set(money.keys).union(state.deposits.keys).union(state.withdrawals.keys)
        for c in currencies.sorted() {
            let expected = (state.deposits[c] ?? 0) - (state.withdrawals[c] ?? 0)
            if (money[c] ?? 0) != expected {
                out.append("money: Σ \(c) = \(Money.text(money[c] ?? 0)), "
                    + "deposits − withdrawals = \(Money.text(expected))")
            }
        }
        for id in oi.keys.sorted() where oi[id] != 0 {
            out.append("open interest of \(id) is \(Money.text(oi[id] ?? 0))")
        }
        return out + ledgerAudit.violations
    }

    /// The violations the live engine recorded since it opened (``checkInvariants()``'s third part).
    package var ledgerViolations: [String] { ledgerAudit.violations }

    /// Runs the full ledger check (``checkInvariants()``, O(accounts × positions)) and records what fails as pending,
    /// so that the next ``liquidationActions()`` journals it as an alert that halts liquidation: for the driver to
    /// call once when the engine opens (the per-event checks only see events applied by this process; a violation
    /// whose alert was not journaled before a crash is found again here).
    /// - Returns: the violations found.
    @discardableResult
    package func auditLedger() -> [String] {
        let found = checkInvariants().filter { !ledgerAudit.violations.contains($0) }
        for v in found { ledgerAudit.record("at sequence \(state.sequence): \(v)") }
        return found
    }
}
