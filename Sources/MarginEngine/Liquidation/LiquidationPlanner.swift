import MarginLedger
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
    ///
    /// With `untilFirstOrder` the list ends with its first order, the first action that moves positions (a
    /// `liquidation` step or a `takeover`): the driver asks so first in a turn, journals the order at once and then
    /// asks for the rest (planned on the state the order left), so that the first order of a breach waits for one
    /// account's step, never for the whole round of every account due.
    /// A pending invariant violation is returned alone as an `alert` (which halts liquidation), pending uncovered
    /// losses as `alert`s of kind `uncoveredLoss` (liquidation goes on); nothing while liquidation is halted or
    /// disabled. Accounts whose risk is unavailable are left alone (fail closed).
    package func liquidationActions(untilFirstOrder: Bool = false) -> [EngineEvent] {
        if let alerts = pendingAlerts() { return alerts }
        guard state.liquidation.enabled, state.liquidationHalt == nil else { return [] }
        var planner = LiquidationPlanner(book: book, state: state, untilFirstOrder: untilFirstOrder)
        return planner.plan()
    }

    /// The next slice of liquidation actions (``LiquidationPlanner/planSlice(_:)``): at most `limit` actions of the
    /// round in progress (``liquidationRound``, when nothing else was journaled since its last slice; else a new
    /// round), and the round to keep once they are journaled (``adoptFollowUps(_:)``). Alerts and the halt as in
    /// ``liquidationActions(untilFirstOrder:)``. Changes nothing but takes the round in progress (it is kept
    /// again by ``adoptFollowUps(_:)``).
    func liquidationSlice(limit: Int) -> (events: [EngineEvent], round: LiquidationRound) {
        var round = currentLiquidationRound ?? LiquidationRound()
        liquidationRound = nil
        if let alerts = pendingAlerts() { return (alerts, LiquidationRound()) }
        guard state.liquidation.enabled, state.liquidationHalt == nil else { return ([], round) }
        // Taken out of the round and handed over without another reference, so that planning does not copy it.
        var planner = LiquidationPlanner(book: book, state: round.takeScratch() ?? state,
                                         untilFirstOrder: !round.ordered)
        assert(Self.sameLedgers(planner.scratch, state), "a round's scratch state differs from the journal's")
        planner.limit = max(1, limit)
        let events = planner.planSlice(&round)
        // Every action of the slice applied to the scratch state but an order ending the round's first slices.
        if !(planner.untilFirstOrder && planner.ordered) { round.scratch = planner.scratch }
        return (events, round)
    }

    /// Whether two states hold the same ledgers, books and liquidations (health and sequence aside): what a
    /// round's kept scratch state must be to the journaled one (debug check).
    static func sameLedgers(_ a: EngineState, _ b: EngineState) -> Bool {
        a.books == b.books && a.liquidations == b.liquidations && a.time == b.time && a.accounts.count == b.accounts.count
            && a.accounts.allSatisfy { name, x in
                b.accounts[name].map { $0.balances == x.balances && $0.positions == x.positions } ?? false
            }
    }

    /// The alerts due before any action: a pending invariant violation alone (it halts liquidation), else the
    /// pending uncovered losses; `nil` when none.
    func pendingAlerts() -> [EngineEvent]? {
        if let violation = ledgerAudit.pending, state.liquidationHalt == nil {
            return [.alert(LiquidationAlert(reason: violation, time: state.time))]
        }
        if !ledgerAudit.uncovered.isEmpty {
            return ledgerAudit.uncovered.map { .alert(LiquidationAlert(kind: .uncoveredLoss, reason: $0.reason,
                                                                        amount: $0.amount, time: state.time)) }
        }
        return nil
    }

    /// The liquidation round in progress, when the journal is where its last slice left it.
    var currentLiquidationRound: LiquidationRound? {
        guard let round = liquidationRound, round.sequence == state.sequence else { return nil }
        return round
    }

    /// Whether a liquidation round is unfinished (a turn ended between its slices: the market loop goes on with it
    /// while no tick is pending).
    package var hasUnfinishedLiquidation: Bool { currentLiquidationRound != nil }

    /// The accounts being liquidated (a margin call journaled, not yet restored or taken over), by name.
    package var liquidatingAccounts: [String] { state.liquidations.keys.sorted() }
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
    /// The plan ends at its first order (``EngineCore/liquidationActions(untilFirstOrder:)``).
    let untilFirstOrder: Bool
    private(set) var events: [EngineEvent] = []
    /// Accounts the planned actions changed (their book margins are stale).
    var touched: Set<String> = []
    /// The changed accounts' ledgers in hot-loop form, patched after each action
    /// (``updateLedgers(after:touching:wasTouched:)``).
    var ledgers: [String: [(id: String, slot: PositionSlot)]] = [:]
    /// Book levels (instrument, price, owner) whose owner failed ``PreTradeRule`` in this plan: skipped like a
    /// cancelled order.
    var skipped: Set<LevelKey> = []
    /// The perpetuals of each underlying, linear first then by id (``hedge(_:delta:)``), listed once per plan.
    var perpetuals: [String: [String]] = [:]
    /// Instruments priced so far in this plan (``priced(_:)``; `nil`: cannot be valued). The plan's actions never
    /// change a market, so a price holds for the whole plan.
    var prices: [String: LiquidationPricing.Priced?] = [:]
    /// ``LiquidationPricing/feeIndex(_:)`` per underlying, read once per plan.
    var feeIndices: [String: Decimal] = [:]
    /// ``LiquidationSettings/impactLimit`` and ``LiquidationSettings/buffer`` as `Double`s, read once.
    let impactLimit: Double
    let buffer: Double
    /// Whether ``bestStep(_:_:)`` screens its candidate orders in `Double` before executing the few that can win
    /// exactly (always, but for tests comparing the choice with executing every order exactly).
    var screening = true
    /// ``LiquidationSettings/futuresFeeRate`` and ``LiquidationSettings/optionsFeeRate`` as `Double`s, for the
    /// screen's fees.
    let futuresFeeRate: Double
    let optionsFeeRate: Double

    /// At most this many actions per plan (``planSlice(_:)``), counting a takeover's deleverage fills with it: the
    /// plan stops at the first action boundary once it holds `limit` events.
    var limit = Int.max
    /// Whether the plan stopped at its ``limit`` (inside an account: the next slice resumes at that account).
    private(set) var halted = false

    struct LevelKey: Hashable, Sendable {
        var instrument: String
        var price: Decimal
        var account: String
    }

    init(book: RiskBook, state: EngineState, untilFirstOrder: Bool = false) {
        self.book = book
        self.untilFirstOrder = untilFirstOrder
        scratch = state
        settings = state.liquidation
        now = state.time
        impactLimit = Money.double(settings.impactLimit)
        buffer = Money.double(settings.buffer)
        futuresFeeRate = Money.double(settings.futuresFeeRate)
        optionsFeeRate = Money.double(settings.optionsFeeRate)
    }

    /// Instrument `id` priced in the scratch state's market, once per plan: the book's valuation from its risk
    /// array's pricing (the same ``InstrumentValuation`` as ``LiquidationPricing/valuation(of:)``'s, which
    /// validation computes), else priced afresh.
    ///
    /// `slot`: the instrument's slot in the book when the caller has it (the book's instrument, index and
    /// valuation are then read by slot, without looking the id up).
    mutating func priced(_ id: String, slot: Int32? = nil) -> LiquidationPricing.Priced? {
        if let known = prices[id] { return known }
        var p: LiquidationPricing.Priced?
        if let s = slot.map(Int.init), book.hasMarket[Int(book.instrumentUnderlying[s])],
           let v = book.valuation(slot: s) {
            let instrument = book.instruments[s]
            p = LiquidationPricing.Priced(instrument: instrument, valuation: v,
                                          index: book.indexOf[Int(book.instrumentUnderlying[s])],
                                          mark: LiquidationPricing.mark(instrument, v))
        } else if let instrument = scratch.instruments[id], let market = scratch.markets[instrument.underlying] {
            if let v = book.valuation(of: id) {
                p = LiquidationPricing.Priced(instrument: instrument, valuation: v, index: market.index,
                                              mark: LiquidationPricing.mark(instrument, v))
            } else {
                p = LiquidationPricing(state: scratch).priced(id)
            }
        }
        prices[id] = p
        return p
    }

    /// ``LiquidationPricing/feeIndex(_:)`` of `p`'s underlying, read once per plan (its text conversion is slow;
    /// only the exact fee of a linear option reads it: 0 for the others).
    mutating func feeIndex(_ p: LiquidationPricing.Priced) -> Decimal {
        guard p.instrument.option != nil, p.instrument.settlement == .linear else { return 0 }  // not read
        if let known = feeIndices[p.instrument.underlying] { return known }
        let indexMoney = LiquidationPricing.feeIndex(p.index)
        feeIndices[p.instrument.underlying] = indexMoney
        return indexMoney
    }

    /// The actions due, in order (up to and including the first order when ``untilFirstOrder``).
    mutating func plan() -> [EngineEvent] {
        for name in dueAccounts() {
            planAccount(name)
            if untilFirstOrder, ordered { break }
        }
        return events
    }

    /// The accounts due, most underwater first (cushion, then name): those below maintenance margin in the book
    /// (risk available) and those whose liquidation is open, system accounts excepted.
    func dueAccounts() -> [String] {
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
        return due.map(\.name)
    }

    /// The next slice of `round` (``LiquidationRound``), at most ``limit`` actions (a takeover's deleverage fills
    /// count with it, so a slice may exceed the limit by those): before the round's first order, a plan that ends
    /// at its first order (``untilFirstOrder``, which the planner must have been made with); after it, the
    /// current pass's accounts from where the last slice stopped. Updates `round` to resume after this slice once
    /// it is journaled. Empty when the round has nothing left to do.
    mutating func planSlice(_ round: inout LiquidationRound) -> [EngineEvent] {
        precondition(untilFirstOrder == !round.ordered, "a slice before the round's first order ends at it")
        if !round.ordered {
            for name in dueAccounts() {
                planAccount(name)
                if ordered || halted { break }
            }
            if ordered { round.ordered = true }
            return events
        }
        // At most two passes: a pass that acted and is exhausted by a slice that planned nothing is followed by a
        // new pass at once (what a whole plan would do next); a new pass that plans nothing ends the round.
        for _ in 0..<2 {
            if round.queue == nil {
                round.queue = dueAccounts()
                round.next = 0
                round.passActed = false
                round.skipped = []
            }
            skipped = round.skipped
            let queue = round.queue ?? []
            while round.next < queue.count {
                planAccount(queue[round.next])
                if halted { break }
                round.next += 1
            }
            round.skipped = skipped
            let passActed = round.passActed
            if !events.isEmpty { round.passActed = true }
            guard round.next >= queue.count else { break }
            round.queue = nil
            if !events.isEmpty || !passActed { break }
        }
        return events
    }

    /// Whether the plan holds ``limit`` events: it stops here (``halted``).
    mutating func reachedLimit() -> Bool {
        if events.count >= limit { halted = true }
        return halted
    }

    /// Whether the plan's last action is an order (a `liquidation` step or a `takeover`).
    var ordered: Bool { events.last.map(Self.isOrder) ?? false }

    static func isOrder(_ event: EngineEvent) -> Bool {
        switch event {
        case .liquidation, .takeover: return true
        default: return false
        }
    }

    /// Appends `event` to the plan and applies it to the scratch state, except the order that ends an
    /// ``untilFirstOrder`` plan: nothing reads the state after it (and applying it would copy every account's
    /// ledger).
    mutating func emit(_ event: EngineEvent, touching names: [String] = []) {
        events.append(event)
        guard !(untilFirstOrder && Self.isOrder(event)) else { return }
        scratch.apply(event)
        let was = touched
        touched.formUnion(names)
        updateLedgers(after: event, touching: names, wasTouched: was)
    }

    /// The margin of `name` in the scratch state: from its kept ledger when the plan changed it, else from the
    /// book's slab when the book holds it (the same slots in the same order as converting its ledger: a backstop's
    /// or the fund's thousands of positions are not converted again), else converted.
    func margin(_ name: String) -> AccountMargin {
        guard let account = scratch.accounts[name] else { return book.hypothetical(AccountState()) }
        let slots: [PositionSlot]
        if let kept = ledgers[name] {
            slots = kept.map(\.slot)
        } else if !touched.contains(name), let a = book.accountSlot[name] {
            slots = Array(book.positions(of: Int(a)))
        } else {
            return book.hypothetical(account)
        }
        let (coins, stable) = book.balanceSlots(account.balances)
        return book.hypothetical(positions: slots, coins: coins, stable: stable, health: account.health)
    }

    /// The current margin of `name`: the book's when no planned action changed it, else the scratch state's.
    func currentMargin(_ name: String) -> AccountMargin {
        if !touched.contains(name), let a = book.accountSlot[name] { return book.margins[Int(a)] }
        return margin(name)
    }

    /// Plans `name`'s actions: its margin call if its liquidation is not open yet; then, while its round has steps
    /// left and the target is not met, its next step (only one when ``untilFirstOrder``); its end once the target is
    /// met; its takeover in `takeover` health or when no step is possible.
    /// Stops, to resume at this account, once the plan holds ``limit`` events (``reachedLimit()``), checked before
    /// each action: a step, a takeover with its deleverage fills, an end, the margin call.
    mutating func planAccount(_ name: String) {
        guard !reachedLimit(), scratch.accounts[name] != nil else { return }
        var m = currentMargin(name)
        guard m.isRiskAvailable else { return }
        if scratch.liquidations[name] == nil {
            guard m.health == .liquidation || m.health == .takeover else { return }
            emit(.marginCall(MarginCall(account: name, equity: m.equity, maintenanceMargin: m.maintenanceMargin,
                                        shortfall: m.maintenanceMargin - m.equity, time: now)))
        }
        while let episode = scratch.liquidations[name] {
            if reachedLimit() { return }
            if m.meetsLiquidationTarget(buffer: buffer) {
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
            if untilFirstOrder { return }
            m = margin(name)
        }
    }
}
