import Foundation
import MarginCore
import MarginTestSupport
import Synchronization
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Hand-built genesis states for the liquidation tests: BTC and ETH without vol surfaces (perpetuals marked at the
/// index, rate 0), the linear perpetuals `BTC-PERP` and `ETH-PERP`, the inverse `BTC-PERP-INV`, accounts with
/// positions whose counterparties are in the state (open interest zero), books, settings, and the genesis balances
/// counted as deposits.
///
/// A linear perpetual of `q` coins at an index `S` then has, under the reference model, `MM = 0.158·|q|·S`: the
/// extreme move (0.35 × 45% = 15.75%) beats the scan (15%), no roll (a perpetual has no expiry), and a liquidation
/// cost of 0.05%.
struct LiquidationWorld {
    static let t0 = Instant(secondsSinceEpoch: 1_767_225_600)
    static let perp = Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear)
    static let ethPerp = Instrument(underlying: "ETH", kind: .perpetual, settlement: .linear)
    static let inversePerp = Instrument(underlying: "BTC", kind: .perpetual, settlement: .inverse)

    var state = EngineState()

    init(btc: Double = 100_000, eth: Double = 3_000) {
        state.markets["BTC"] = UnderlyingMarket(name: "BTC", index: btc, valuationTime: Self.t0)
        state.markets["ETH"] = UnderlyingMarket(name: "ETH", index: eth, valuationTime: Self.t0)
        state.instruments["BTC-PERP"] = Self.perp
        state.instruments["ETH-PERP"] = Self.ethPerp
        state.instruments["BTC-PERP-INV"] = Self.inversePerp
        state.accounts[state.liquidation.feeAccount] = AccountState()
    }

    static func d(_ s: String) -> Decimal { Decimal(string: s)! }

    /// Adds `quantity` of `id` entered at `entry` to `account` (creating it), the opposite to `counterparty`.
    mutating func position(_ account: String, _ id: String, _ quantity: Decimal, entry: Decimal,
                           against counterparty: String) {
        let instrument = state.instruments[id]!
        let p = PositionState(quantity: quantity, entryPrice: entry, of: instrument)
        add(account, id, p)
        add(counterparty, id, PositionState(quantity: -p.quantity, cost: -p.cost))
    }

    private mutating func add(_ account: String, _ id: String, _ p: PositionState) {
        var a = state.accounts[account] ?? AccountState()
        var q = a.positions[id] ?? PositionState(quantity: 0)
        q.quantity += p.quantity
        q.cost += p.cost
        if q.quantity == 0 {
            // Closed: what is left of the cost is realized (so the ledger's sums do not change).
            let instrument = state.instruments[id]!
            if instrument.option == nil, q.cost != 0 {
                a.balances[Ledger.settlementCurrency(of: instrument), default: 0]
                    += instrument.settlement == .linear ? -q.cost : q.cost
            }
            a.positions[id] = nil
        } else {
            a.positions[id] = q
        }
        state.accounts[account] = a
    }

    /// Credits `amount` of `currency` to `account` (creating it), counted as a deposit.
    mutating func fund(_ account: String, _ amount: Decimal, _ currency: String = "USD") {
        state.accounts[account, default: AccountState()].balances[currency, default: 0] += amount
        state.deposits[currency, default: 0] += amount
    }

    mutating func book(_ id: String, bids: [(Decimal, Decimal, String)], asks: [(Decimal, Decimal, String)] = []) {
        state.books[id] = OrderBook(bids: bids.map { BookLevel(price: $0.0, size: $0.1, account: $0.2) },
                                    asks: asks.map { BookLevel(price: $0.0, size: $0.1, account: $0.2) })
    }

    /// The engine on this genesis (its journal in memory), on one thread (a handful of accounts: the pass helper
    /// would only spin). Nothing is journaled beyond the genesis until an event or ``RiskEngine/journalDue()``.
    /// `snapshot`: store the genesis as the journal's first snapshot (what a replay from the journal needs).
    func engine(store: InMemoryJournal = InMemoryJournal(), snapshot: Bool = true) async throws -> RiskEngine {
        let engine = try await RiskEngine.open(store: store, genesis: state, snapshotGenesis: snapshot)
        await engine.setThreads(1)
        return engine
    }

    /// The core alone on this genesis (no journal, no driver): for tests of the ledger and of the margins the
    /// planner reads, where nothing is to be liquidated.
    func core(tradeRules: TradeRules = .default) -> EngineCore {
        let core = EngineCore(state: state, tradeRules: tradeRules)
        core.setThreads(1)
        return core
    }
}

extension EngineCore {
    /// Prepares and commits `event` with no journal (tests of the core alone; the driver, ``RiskEngine``, appends
    /// between the two and journals follow-ups after).
    func apply(_ event: EngineEvent) throws(EngineError) {
        commit(try prepare(event))
    }
}

/// Every event an engine commits, as its commit observer sees it
/// (``RiskEngine/observeCommits(checkingInvariants:_:)``), with ``EngineCore/checkInvariants()`` right after each.
final class CommitLog: Sendable {
    private let entries = Mutex<[CommitObservation]>([])

    func append(_ o: CommitObservation) { entries.withLock { $0.append(o) } }

    var observations: [CommitObservation] { entries.withLock { $0 } }

    /// The invariant violations found after any commit, each prefixed by the event's sequence and kind.
    var violations: [String] {
        observations.flatMap { o in o.violations.map { "sequence \(o.sequence) (\(o.event.kind)): \($0)" } }
    }

    /// The follow-ups committed (the engine's own events: the liquidation actions), in journal order.
    var followUps: [EngineEvent] { observations.filter(\.isFollowUp).map(\.event) }
}

extension RiskEngine {
    /// Starts recording every committed event with the invariants checked after it.
    func recordCommits() -> CommitLog {
        let log = CommitLog()
        observeCommits(checkingInvariants: true) { log.append($0) }
        return log
    }
}

extension RiskEngine {
    /// Journals what is due (``RiskEngine/journalDue()``) and returns the follow-ups, expecting the invariants to
    /// hold after every commit and the money in the ledger (``money(_:)``) to be exactly what it was.
    func liquidateDue(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [EngineEvent] {
        let log = recordCommits()
        let before = money(await state)
        let actions = try await journalDue().followUps
        observeCommits(nil)
        #expect(log.violations.isEmpty, "\(log.violations)", sourceLocation: sourceLocation)
        #expect(log.followUps == actions, sourceLocation: sourceLocation)
        let after = money(await state)
        #expect(after == before, "the money in the ledger, exactly", sourceLocation: sourceLocation)
        return actions
    }
}

/// The first `count` notices of `stream` (which must deliver them: the tests pass the number of actions journaled).
func take(_ count: Int, from stream: AsyncStream<LiquidationNotice>) async -> [LiquidationNotice] {
    var out: [LiquidationNotice] = []
    for await n in stream.prefix(count) { out.append(n) }
    return out
}

/// The money in the ledger per currency, summed over every account, system accounts (fees, the insurance fund,
/// backstops) included: balances, minus the cost of linear futures and perpetuals, plus the coin cost of inverse ones
/// (docs/LIQUIDATION.md). Only deposits and withdrawals change it, exactly.
func money(_ state: EngineState) -> [String: Decimal] {
    var out: [String: Decimal] = [:]
    for name in state.accounts.keys.sorted() {
        guard let a = state.accounts[name] else { continue }
        for (c, v) in Ledger.contribution(of: a, instruments: state.instruments) { out[c, default: 0] += v }
    }
    return out.filter { $0.value != 0 }
}

extension EngineEvent {
    var marginCall: MarginCall? { if case .marginCall(let c) = self { return c }; return nil }
    var step: LiquidationStep? { if case .liquidation(let s) = self { return s }; return nil }
    var takeover: Takeover? { if case .takeover(let t) = self { return t }; return nil }
    var deleverage: Deleverage? { if case .deleverage(let d) = self { return d }; return nil }
    var end: LiquidationEnd? { if case .liquidationEnd(let e) = self { return e }; return nil }
}

/// `a` and `b` agree to `tolerance` relative (and absolutely near 0).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
