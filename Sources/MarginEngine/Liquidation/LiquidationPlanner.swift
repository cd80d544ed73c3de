import Foundation
import MarginCore

extension EngineCore {
    /// The liquidation actions due now, in the order to submit them (docs/LIQUIDATION.md, "The planner").
    ///
    /// Deterministic and synchronous: the actions depend only on the journaled state (the engine's time is the
    /// latest journaled market or clock time, never the wall clock) and the margins computed from it. Each action is
    /// planned on the state as the actions before it in the list leave it, so submitting them in order
    /// (``submit(_:reportAfter:onPriorityDone:)``: validate → journal → apply) journals exactly what was planned; a
    /// driver calls this after every event and submits the list, and calls it again until it is empty. If any action
    /// is rejected (an event came in between), drop the rest and plan again. Replaying the journal reproduces every
    /// liquidation without planning.
    ///
    /// Per account below maintenance margin, most underwater first (cushion, then name): a `marginCall` (opens its
    /// liquidation); then, while `equity < MM × (1 + buffer)` and its round has steps left, the best `liquidation`
    /// step; a `liquidationEnd` once the target is met; a `takeover` (preceded by `deleverage` fills when the
    /// insurance fund cannot cover the shortfall) when the account is in `takeover` health or no step is possible.
    /// A pending invariant violation is returned alone as an `alert` (which halts liquidation), pending uncovered
    /// losses as `alert`s of kind `uncoveredLoss` (liquidation goes on); nothing while liquidation is halted or
    /// disabled. Accounts whose risk is unavailable are left alone (fail closed).
    public func liquidationActions() -> [EngineEvent] {
        if let violation = ledgerAudit.pending, state.liquidationHalt == nil {
            return [.alert(LiquidationAlert(reason: violation, time: state.time))]
        }
        if !ledgerAudit.uncovered.isEmpty {
            return ledgerAudit.uncovered.map { .alert(LiquidationAlert(kind: .uncoveredLoss, reason: $0.reason,
                                                                        amount: $0.amount, time: state.time)) }
        }
        guard state.liquidation.enabled, state.liquidationHalt == nil else { return [] }
        var planner = LiquidationPlanner(book: book, state: state)
        return planner.plan()
    }

    /// The accounts being liquidated (a margin call journaled, not yet restored or taken over), by name.
    public var liquidatingAccounts: [String] { state.liquidations.keys.sorted() }
}

/// Plans liquidation actions on a scratch copy of the state (``EngineState/apply(_:)`` after each), computing every
/// margin with the engine's own hypothetical margin (``RiskBook/hypothetical(_:)``), the one implementation
/// validation also reads.
struct LiquidationPlanner {
    let book: RiskBook
    /// The state as the actions planned so far leave it.
    var scratch: EngineState
    let settings: LiquidationSettings
    let now: Instant
    private(set) var events: [EngineEvent] = []
    /// Accounts the planned actions changed (their book margins are stale).
    var touched: Set<String> = []
    /// Book levels (instrument, price, owner) whose owner failed ``PreTradeRule`` in this plan: skipped like a
    /// cancelled order.
    var skipped: Set<LevelKey> = []
    /// The perpetuals of each underlying, linear first then by id (``hedge(_:delta:)``), listed once per plan.
    var perpetuals: [String: [String]] = [:]

    struct LevelKey: Hashable {
        var instrument: String
        var price: Decimal
        var account: String
    }

    init(book: RiskBook, state: EngineState) {
        self.book = book
        scratch = state
        settings = state.liquidation
        now = state.time
    }

    /// Every action due, in order.
    mutating func plan() -> [EngineEvent] {
        var due: [(cushion: Double, name: String)] = []
        var seen = Set<String>()
        for (i, m) in book.margins.enumerated()
            where m.isRiskAvailable && (m.health == .liquidation || m.health == .takeover) {
            let name = book.accountNames[i]
            due.append((m.cushion, name))
            seen.insert(name)
        }
        for name in scratch.liquidations.keys where !seen.contains(name) {
            due.append((book.accountSlot[name].map { book.margins[Int($0)].cushion } ?? 0, name))
        }
        due.removeAll { settings.isSystemAccount($0.name) }
        due.sort { $0.cushion != $1.cushion ? $0.cushion < $1.cushion : $0.name < $1.name }
        for (_, name) in due { planAccount(name) }
        return events
    }

    mutating func emit(_ event: EngineEvent, touching names: [String] = []) {
        scratch.apply(event)
        events.append(event)
        touched.formUnion(names)
    }

    /// The margin of `name` in the scratch state.
    func margin(_ name: String) -> AccountMargin { book.hypothetical(scratch.accounts[name] ?? AccountState()) }

    /// The current margin of `name`: the book's when no planned action changed it, else the scratch state's.
    func currentMargin(_ name: String) -> AccountMargin {
        if !touched.contains(name), let a = book.accountSlot[name] { return book.margins[Int(a)] }
        return margin(name)
    }

    func meetsTarget(_ m: AccountMargin) -> Bool {
        m.equity >= m.maintenanceMargin * (1 + Money.double(settings.buffer))
    }

    mutating func planAccount(_ name: String) {
        guard scratch.accounts[name] != nil else { return }
        var m = currentMargin(name)
        guard m.isRiskAvailable else { return }
        if scratch.liquidations[name] == nil {
            guard m.health == .liquidation || m.health == .takeover else { return }
            emit(.marginCall(MarginCall(account: name, equity: m.equity, maintenanceMargin: m.maintenanceMargin,
                                        shortfall: m.maintenanceMargin - m.equity, time: now)))
        }
        while let episode = scratch.liquidations[name] {
            if meetsTarget(m) {
                emit(.liquidationEnd(LiquidationEnd(account: name, equity: m.equity,
                                                    maintenanceMargin: m.maintenanceMargin, time: now)))
                return
            }
            if m.health == .takeover {
                planTakeover(name, m)
                return
            }
            guard episode.mayStep(at: now, settings: settings) else { return }
            guard let best = bestStep(name, m) else {
                if m.health == .liquidation { planTakeover(name, m) }
                return
            }
            emit(.liquidation(best.step), touching: [name, settings.insuranceFund] + best.step.fills.map(\.account))
            m = best.after
        }
    }
}
