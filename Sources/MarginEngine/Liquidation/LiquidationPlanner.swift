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
        if let violation = ledgerAudit.pending, state.liquidationHalt == nil {
            return [.alert(LiquidationAlert(reason: violation, time: state.time))]
        }
        if !ledgerAudit.uncovered.isEmpty {
            return ledgerAudit.uncovered.map { .alert(LiquidationAlert(kind: .uncoveredLoss, reason: $0.reason,
                                                                        amount: $0.amount, time: state.time)) }
        }
        guard state.liquidation.enabled, state.liquidationHalt == nil else { return [] }
        var planner = LiquidationPlanner(book: book, state: state, untilFirstOrder: untilFirstOrder)
        return planner.plan()
    }

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

    struct LevelKey: Hashable {
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
        for (_, name) in due {
            planAccount(name)
            if untilFirstOrder, ordered { break }
        }
        return events
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
        if !(untilFirstOrder && Self.isOrder(event)) { scratch.apply(event) }
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

    /// Plans `name`'s actions: its margin call if its liquidation is not open yet; then, while its round has steps
    /// left and the target is not met, its next step (only one when ``untilFirstOrder``); its end once the target is
    /// met; its takeover in `takeover` health or when no step is possible.
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
