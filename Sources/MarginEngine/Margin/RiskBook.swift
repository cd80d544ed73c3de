import Foundation
import MarginCore

/// The engine's margin cache: every listed instrument's risk array, every account's per-underlying components and
/// margin, and the index from underlying to the accounts exposed to it.
///
/// Owned by one writer (``EngineCore``). Everything here is derived from ``EngineState`` by pure functions in a
/// fixed order, so a book rebuilt from the same state holds bit-identical margins however it got there.
///
/// Storage is flat and contiguous for the hot path: instrument P&L vectors in one `[Double]` (stride = the
/// scenario count, 132 in the reference set), per-account components in one array of stride = underlying count.
/// A market update of an underlying bumps its version; instrument arrays are recomputed lazily (the accounts
/// nearest liquidation first pull only what they hold) or all at once for the full pass.
final class RiskBook {
    private(set) var calculator: MarginCalculator
    /// Scenario count: the stride of `pnl`.
    private(set) var stride: Int

    // Underlyings
    private(set) var underlyingNames: [String] = []
    private(set) var underlyingSlot: [String: Int] = [:]
    /// Underlying slots sorted by name: the summation order.
    private(set) var sortedUnderlyings: [Int] = []
    private(set) var markets: [UnderlyingMarket?] = []
    private(set) var marketVersion: [UInt64] = []
    private(set) var spotPnL: [[Double]] = []
    private(set) var instrumentsOf: [[Int32]] = []
    /// Accounts with exposure to each underlying (never shrinks; unexposed accounts aggregate to zero).
    private(set) var holders: [[Int32]] = []

    // Instruments
    private(set) var instrumentSlot: [String: Int32] = [:]
    private(set) var instruments: [Instrument] = []
    private(set) var instrumentUnderlying: [Int32] = []
    var pnl: [Double] = []
    var liquidationPerUnit: [Double] = []
    var somPerUnit: [Double] = []
    var valuePerUnit: [Double] = []
    var forward: [Double] = []
    /// Per instrument: is an option / settles linearly (hot-loop copies of ``instruments``' fields).
    var isOption: [Bool] = []
    var isLinear: [Bool] = []
    /// Per underlying: the index, USD per coin (0 without a market).
    var indexOf: [Double] = []
    var arrayVersion: [UInt64] = []
    private(set) var coreArrays: [InstrumentRiskArray?] = []
    /// Instruments whose array could not be computed (e.g. no surface): their positions count for nothing.
    private(set) var invalid: [Bool] = []

    // Accounts
    private(set) var accountSlot: [String: Int32] = [:]
    private(set) var accountNames: [String] = []
    var positions: [[PositionSlot]] = []
    /// Coin balance per (account, underlying), stride = underlying count.
    var coins: [Double] = []
    /// Stablecoin balances, USD.
    var stable: [Double] = []
    var summaries: [UnderlyingSummary] = []
    var margins: [AccountMargin] = []
    var holds: [Bool] = []
    /// Journaled health per account (mirrors ``AccountState/health``).
    var journaledHealth: [Health] = []
    /// Accounts whose computed health differs from the journaled one, awaiting a ``HealthChange``.
    var pendingHealth: [Int32] = []
    var pendingFlag: [Bool] = []
    var passMark: [UInt32] = []
    var passEpoch: UInt32 = 0
    /// Per underlying: accounts nearest liquidation from the last full pass, nearest first.
    var priority: [[Int32]] = []
    /// How many accounts ``priority`` keeps per underlying.
    var priorityCount = 256

    init(parameters: RiskParameters) {
        calculator = MarginCalculator(parameters: parameters)
        stride = calculator.scenarios.count
    }

    var underlyingCount: Int { underlyingNames.count }
    var accountCount: Int { accountNames.count }

    // MARK: Building

    /// Rebuilds everything from `state` and computes every margin.
    func rebuild(from state: EngineState) {
        let keepPriority = priorityCount
        self.reset(parameters: state.parameters)
        priorityCount = keepPriority
        for name in state.markets.keys.sorted() {
            guard let m = state.markets[name] else { continue }
            let u = addUnderlying(name)
            setMarket(u, market: try? m.underlyingMarket())
        }
        for id in state.instruments.keys.sorted() {
            guard let instrument = state.instruments[id] else { continue }
            addInstrument(id: id, instrument)
        }
        for name in state.accounts.keys.sorted() {
            guard let account = state.accounts[name] else { continue }
            sync(account: name, account)
        }
        for u in 0..<underlyingCount { refreshArrays(u) }
        for a in 0..<accountCount { noteHealth(Int32(a), remarginAll(Int32(a))) }
        for u in 0..<underlyingCount { rankPriority(u) }
    }

    private func reset(parameters: RiskParameters) {
        calculator = MarginCalculator(parameters: parameters)
        stride = calculator.scenarios.count
        underlyingNames = []; underlyingSlot = [:]; sortedUnderlyings = []; markets = []; marketVersion = []
        spotPnL = []; instrumentsOf = []; holders = []; priority = []
        instrumentSlot = [:]; instruments = []; instrumentUnderlying = []; pnl = []; liquidationPerUnit = []
        somPerUnit = []; valuePerUnit = []; forward = []; arrayVersion = []; coreArrays = []; invalid = []
        isOption = []; isLinear = []; indexOf = []
        accountSlot = [:]; accountNames = []; positions = []; coins = []; stable = []; summaries = []; margins = []
        holds = []; journaledHealth = []; pendingHealth = []; pendingFlag = []; passMark = []
    }

    /// The slot of underlying `name`, adding it (and re-laying out the per-account arrays) on first sight.
    @discardableResult
    func addUnderlying(_ name: String) -> Int {
        if let u = underlyingSlot[name] { return u }
        let old = underlyingCount
        let u = old
        underlyingNames.append(name)
        underlyingSlot[name] = u
        sortedUnderlyings = underlyingNames.indices.sorted { underlyingNames[$0] < underlyingNames[$1] }
        markets.append(nil)
        indexOf.append(0)
        marketVersion.append(1)
        spotPnL.append([Double](repeating: 0, count: stride))
        instrumentsOf.append([])
        holders.append([])
        priority.append([])
        // Re-layout stride-`old` per-account arrays to stride `old + 1`.
        func relayout<T>(_ xs: [T], fill: T) -> [T] {
            var out: [T] = []
            out.reserveCapacity(accountCount * (old + 1))
            for a in 0..<accountCount {
                out += xs[(a * old)..<(a * old + old)]
                out.append(fill)
            }
            return out
        }
        coins = relayout(coins, fill: 0)
        summaries = relayout(summaries, fill: UnderlyingSummary())
        holds = relayout(holds, fill: false)
        return u
    }

    /// Installs a new market for underlying `u` (arrays become stale; ``refreshArrays(_:)`` or lazy reads update them).
    func setMarket(_ u: Int, market: UnderlyingMarket?) {
        markets[u] = market
        indexOf[u] = market?.index ?? 0
        marketVersion[u] &+= 1
        if let m = market {
            spotPnL[u] = InstrumentRiskArray.spotPnL(index: m.index, scenarios: calculator.scenarios)
        }
    }

    func addInstrument(id: String, _ instrument: Instrument) {
        guard instrumentSlot[id] == nil else { return }
        let u = addUnderlying(instrument.underlying)
        let slot = Int32(instruments.count)
        instrumentSlot[id] = slot
        instruments.append(instrument)
        instrumentUnderlying.append(Int32(u))
        pnl += [Double](repeating: 0, count: stride)
        liquidationPerUnit.append(0); somPerUnit.append(0); valuePerUnit.append(0); forward.append(0)
        arrayVersion.append(0)
        isOption.append(instrument.option != nil)
        isLinear.append(instrument.settlement == .linear)
        coreArrays.append(nil)
        invalid.append(false)
        instrumentsOf[u].append(slot)
    }

    /// Removes an expired instrument from its underlying's list (its slot stays, unused).
    func removeInstrument(id: String) {
        guard let slot = instrumentSlot[id] else { return }
        let u = Int(instrumentUnderlying[Int(slot)])
        instrumentsOf[u].removeAll { $0 == slot }
        instrumentSlot[id] = nil
    }

    /// The slot of account `name`, adding it on first sight.
    func slot(ofAccount name: String) -> Int32 {
        if let a = accountSlot[name] { return a }
        let a = Int32(accountCount)
        accountSlot[name] = a
        accountNames.append(name)
        positions.append([])
        stable.append(0)
        margins.append(.empty)
        coins += [Double](repeating: 0, count: underlyingCount)
        summaries += [UnderlyingSummary](repeating: UnderlyingSummary(), count: underlyingCount)
        holds += [Bool](repeating: false, count: underlyingCount)
        journaledHealth.append(.healthy)
        pendingFlag.append(false)
        passMark.append(0)
        return a
    }

    /// The hot-loop form of an account's ledger: positions sorted by instrument id, coins and stablecoins as Double.
    func slots(of account: AccountState) -> (positions: [PositionSlot], coins: [(Int, Double)], stable: Double) {
        var ps: [PositionSlot] = []
        ps.reserveCapacity(account.positions.count)
        for id in account.positions.keys.sorted() {
            guard let p = account.positions[id], let slot = instrumentSlot[id] else { continue }
            ps.append(PositionSlot(instrument: slot, underlying: instrumentUnderlying[Int(slot)],
                                   size: Money.double(p.quantity), entry: p.entryPrice.map(Money.double) ?? .nan))
        }
        var cs: [(Int, Double)] = []
        var st = 0.0
        for (currency, amount) in account.balances.sorted(by: { $0.key < $1.key }) {
            if Portfolio.stablecoins.contains(currency) {
                st += Money.double(amount)
            } else if let u = underlyingSlot[currency] {
                cs.append((u, Money.double(amount)))
            }
        }
        return (ps, cs, st)
    }

    /// Copies an account's ledger into the book (positions, balances, exposure index). Does not re-margin.
    @discardableResult
    func sync(account name: String, _ account: AccountState) -> Int32 {
        let a = slot(ofAccount: name)
        let s = slots(of: account)
        let base = Int(a) * underlyingCount
        for u in 0..<underlyingCount { coins[base + u] = 0 }
        for (u, amount) in s.coins { coins[base + u] = amount }
        positions[Int(a)] = s.positions
        stable[Int(a)] = s.stable
        journaledHealth[Int(a)] = account.health
        var exposed = Set(s.coins.map(\.0))
        for p in s.positions { exposed.insert(Int(p.underlying)) }
        for u in exposed.sorted() where !holds[base + u] {
            holds[base + u] = true
            holders[u].append(a)
        }
        return a
    }

    // MARK: Instrument arrays

    /// Recomputes instrument `slot`'s risk array if its underlying's market changed since.
    @inline(__always)
    func ensureFresh(_ slot: Int) {
        let u = Int(instrumentUnderlying[slot])
        if arrayVersion[slot] != marketVersion[u] { computeArray(slot, underlying: u) }
    }

    /// Recomputes every stale instrument array of underlying `u`.
    func refreshArrays(_ u: Int) {
        for slot in instrumentsOf[u] { ensureFresh(Int(slot)) }
    }

    private func computeArray(_ slot: Int, underlying u: Int) {
        arrayVersion[slot] = marketVersion[u]
        guard let market = markets[u],
              let array = try? InstrumentRiskArray(instrument: instruments[slot], market: market,
                                                   scenarios: calculator.scenarios, parameters: calculator.parameters)
        else {
            invalid[slot] = true
            coreArrays[slot] = nil
            return
        }
        invalid[slot] = false
        let base = slot * stride
        pnl.withUnsafeMutableBufferPointer { out in
            array.pnl.withUnsafeBufferPointer { src in
                for i in 0..<stride { out[base + i] = src[i] }
            }
        }
        liquidationPerUnit[slot] = array.liquidationCostPerUnit
        somPerUnit[slot] = array.shortOptionMinimumPerUnit
        valuePerUnit[slot] = array.valuation.valueUSD
        forward[slot] = array.valuation.forward
        if calculator.parameters.correlationMode == .correlated { coreArrays[slot] = array }
    }
}
