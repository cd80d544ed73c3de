import MarginLedger
import CVectorMath
import Foundation
import MarginCore

/// The engine's margin cache: every listed instrument's risk array, every account's per-underlying components and
/// margin, and the index from underlying to the accounts exposed to it.
///
/// Owned by one writer (``EngineCore``). Everything here is derived from ``EngineState`` by pure functions in a
/// fixed order, so a book rebuilt from the same state holds bit-identical margins however it got there.
///
/// Storage is flat and contiguous for the hot path: instrument P&L vectors in one `[Double]` (row stride = the
/// scenario count rounded up to a multiple of 8, 136 in the reference set, zero padded, so that every row is whole
/// 8-double vectors), positions of every account in one slab grouped by underlying (a range per account and
/// underlying), per-account components in one array of stride = underlying count. ``AggregationKernel`` reads it.
/// A market update of an underlying bumps its version; instrument arrays are recomputed lazily (the accounts
/// nearest liquidation first pull only what they hold) or all at once for the full pass.
///
/// The hot per-account and per-instrument arrays are `@exclusivity(unchecked)`: the book has one owner (the writer)
/// and the parallel parts of a pass write through pointers to disjoint elements, so the run-time exclusivity checks
/// (about 10 ns per access, a few milliseconds per pass over 100,000 accounts) guard nothing.
final class RiskBook {
    private(set) var calculator: MarginCalculator
    /// Scenario count.
    private(set) var stride: Int
    /// Row stride of `pnl` and `spotTable`: `stride` rounded up to a multiple of 8.
    private(set) var rowStride: Int

    // Underlyings
    private(set) var underlyingNames: [String] = []
    private(set) var underlyingSlot: [String: Int] = [:]
    /// Underlying slots sorted by name: the summation order.
    private(set) var sortedUnderlyings: [Int] = []
    private(set) var markets: [UnderlyingMarket?] = []
    @exclusivity(unchecked) private(set) var marketVersion: [UInt64] = []
    /// Per underlying: the P&L of one coin held (row stride `rowStride`).
    private(set) var spotTable: [Double] = []
    private(set) var hasMarket: [Bool] = []
    @exclusivity(unchecked) private(set) var instrumentsOf: [[Int32]] = []
    /// Accounts with exposure to each underlying (never shrinks; unexposed accounts aggregate to zero).
    @exclusivity(unchecked) var holders: [[Int32]] = []

    // Instruments
    private(set) var instrumentSlot: [String: Int32] = [:]
    private(set) var instruments: [Instrument] = []
    /// Instrument ids by slot (an expired instrument's slot keeps its id, unused).
    private(set) var instrumentIds: [String] = []
    @exclusivity(unchecked) private(set) var instrumentUnderlying: [Int32] = []
    /// Per instrument slot: its rank in the slab's order (underlying slot, then instrument id), computed when first
    /// read after a listing (``instrumentRanks()``).
    var orderRank: [Int32] = []
    var pnl: [Double] = []
    var liquidationPerUnit: [Double] = []
    var somPerUnit: [Double] = []
    var valuePerUnit: [Double] = []
    /// Per instrument: its value and Greeks of one unit in the current market (``InstrumentRiskArray/Figures``,
    /// the same ``InstrumentValuation`` a fresh pricing gives); `nil` while its array is invalid or never priced.
    var valuations: [InstrumentValuation?] = []
    var forward: [Double] = []
    /// Per instrument: is an option / settles linearly (hot-loop copies of ``instruments``' fields).
    var isOption: [Bool] = []
    var isLinear: [Bool] = []
    /// Per underlying: the index, USD per coin (0 without a market).
    var indexOf: [Double] = []
    @exclusivity(unchecked) var arrayVersion: [UInt64] = []
    /// Per instrument: how many accounts' slab ranges hold it (open positions). A pass prices only held arrays;
    /// the others are priced when first read (``ensureFresh(_:)``: a what-if, a new position, a report).
    @exclusivity(unchecked) var heldCount: [Int32] = []
    /// Instruments whose array could not be computed (pricing threw, or a figure is not finite): an account holding
    /// one has its risk reported unavailable (``AccountMargin/unpricedInstrument``), never counted as zero.
    var invalid: [Bool] = []

    // Accounts
    var accountSlot: [String: Int32] = [:]
    var accountNames: [String] = []
    /// Every account's positions, grouped by underlying slot, in instrument-id order within an underlying.
    @exclusivity(unchecked) var slab: [PositionSlot] = []
    /// Per account: its slab region (offset, capacity); a ledger that outgrows it moves to the end of the slab.
    var slabOffset: [Int32] = []
    var slabCapacity: [Int32] = []
    /// Per (account, underlying), stride = underlying count: the slab range of the account's positions in it.
    @exclusivity(unchecked) var rangeStart: [Int32] = []
    @exclusivity(unchecked) var rangeCount: [Int32] = []
    /// Scratch rows for the kernel, one per thread.
    var scratch: [Double] = []
    /// Coin balance per (account, underlying), stride = underlying count.
    @exclusivity(unchecked) var coins: [Double] = []
    /// Stablecoin balances, USD.
    @exclusivity(unchecked) var stable: [Double] = []
    @exclusivity(unchecked) var summaries: [UnderlyingSummary] = []
    @exclusivity(unchecked) var margins: [AccountMargin] = []
    @exclusivity(unchecked) var holds: [Bool] = []
    /// Per (account, underlying), stride = underlying count: the account's ledger has a position in the underlying
    /// or a balance entry of its coin, i.e. the core's ``Portfolio`` of the account has it (``holds`` never
    /// shrinks; this follows the ledger). `correlated` mode enumerates exactly these (with a market).
    @exclusivity(unchecked) var member: [Bool] = []
    /// `correlated` mode only (empty otherwise): per (account, underlying) the price-loss curve ℓ_u of the account's
    /// aggregated row, ``CorrelatedCombination/priceCount`` doubles each (stride = underlying count × that), cached
    /// so that a tick of one underlying recomputes only that underlying's curves.
    @exclusivity(unchecked) var curves: [Double] = []
    /// The writer's memo of correlated grids (cleared with the table and the parameters).
    var gridMemo = GridMemo()
    /// Journaled health per account (mirrors ``AccountState/health``).
    @exclusivity(unchecked) var journaledHealth: [Health] = []
    /// Accounts whose computed health differs from the journaled one, awaiting a ``HealthChange``.
    @exclusivity(unchecked) var pendingHealth: [Int32] = []
    @exclusivity(unchecked) var pendingFlag: [Bool] = []
    @exclusivity(unchecked) var passMark: [UInt32] = []
    var passEpoch: UInt32 = 0
    /// Per underlying: accounts nearest liquidation from the last full pass, nearest first.
    @exclusivity(unchecked) var priority: [[Int32]] = []
    /// How many accounts ``priority`` keeps per underlying.
    var priorityCount = 256
    /// The correlation table `correlated` mode combines with (``EngineState/correlations``; set by ``EngineCore``
    /// when the engine opens and on every `correlations` event; kept across ``rebuild(from:)``).
    var correlations = CorrelationTable() {
        didSet { gridMemo = GridMemo() }
    }
    /// Whether margins combine in `correlated` mode (the curves are kept only then).
    var isCorrelated: Bool { calculator.parameters.correlationMode == .correlated }
    /// Doubles of curve per (account, underlying) in ``curves``: the price-move count in `correlated` mode, else 0.
    var curveStride: Int { isCorrelated ? calculator.scenarios.priceMoves.count : 0 }
    /// What the correlated combination reads besides the components (the grid cache, table and layout).
    var correlatedCombination: CorrelatedCombination {
        CorrelatedCombination(calculator: calculator, table: correlations, names: underlyingNames)
    }
    /// Threads a pass may use for pricing and the full sweep (1 ... ``maxThreads``); results do not depend on it.
    var threads = RiskBook.maxThreads
    /// The most threads a pass uses: the writer's and one helper (the engine's machines have 2 cores).
    static let maxThreads = 2
    /// The second thread of a pass (sleeps unless primed; see ``PassHelper``).
    let helper = PassHelper()
    /// The C aggregation kernel's instruction-set path (every path gives the same bits).
    let isa = vm_widest_isa()
    /// Where the time of the last pass went.
    var lastPass = PassProfile()
    /// Arrays the helper priced in the last ``ensureFresh(slots:)``.
    var lastHelperParts = 0
    /// The result of ``warmPriority()``'s reads (kept so that they are not optimized away; meaningless).
    var warmth = 0.0
    /// When the event that triggers the next pass reached the writer (for ``PassProfile/prologue``).
    var eventArrival: ContinuousClock.Instant?

    init(parameters: RiskParameters) {
        calculator = MarginCalculator(parameters: parameters)
        stride = calculator.scenarios.count
        rowStride = (stride + 7) / 8 * 8
        scratch = [Double](repeating: 0, count: rowStride * Self.maxThreads)
    }

    deinit { helper.stop() }

    /// Wakes the pass helper ahead of a pass (an event has arrived), unless passes run on one thread.
    func primeHelper() {
        if threads > 1 { helper.prime() }
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
            setMarket(u, market: m)
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
        rowStride = (stride + 7) / 8 * 8
        scratch = [Double](repeating: 0, count: rowStride * Self.maxThreads)
        underlyingNames = []; underlyingSlot = [:]; sortedUnderlyings = []; markets = []; marketVersion = []
        spotTable = []; hasMarket = []; instrumentsOf = []; holders = []; priority = []
        instrumentSlot = [:]; instruments = []; instrumentIds = []; instrumentUnderlying = []; pnl = []; orderRank = []
        liquidationPerUnit = []
        somPerUnit = []; valuePerUnit = []; valuations = []; forward = []; arrayVersion = []; heldCount = []; invalid = []
        isOption = []; isLinear = []; indexOf = []
        accountSlot = [:]; accountNames = []; slab = []; slabOffset = []; slabCapacity = []; rangeStart = []
        rangeCount = []; coins = []; stable = []; summaries = []; margins = []
        holds = []; journaledHealth = []; pendingHealth = []; pendingFlag = []; passMark = []
        member = []; curves = []; gridMemo = GridMemo()
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
        spotTable += [Double](repeating: 0, count: rowStride)
        hasMarket.append(false)
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
        member = relayout(member, fill: false)
        let g = curveStride
        if g > 0 {
            var out: [Double] = []
            out.reserveCapacity(accountCount * (old + 1) * g)
            for a in 0..<accountCount {
                out += curves[(a * old * g)..<((a * old + old) * g)]
                out += [Double](repeating: 0, count: g)
            }
            curves = out
        }
        gridMemo = GridMemo()
        // An account's ranges stay inside its slab region: a new underlying's range is empty at its end.
        var starts: [Int32] = []
        var counts: [Int32] = []
        starts.reserveCapacity(accountCount * (old + 1))
        counts.reserveCapacity(accountCount * (old + 1))
        for a in 0..<accountCount {
            starts += rangeStart[(a * old)..<(a * old + old)]
            counts += rangeCount[(a * old)..<(a * old + old)]
            starts.append(slabOffset[a] + slabCapacity[a])
            counts.append(0)
        }
        rangeStart = starts
        rangeCount = counts
        return u
    }

    /// Installs a new market for underlying `u` (arrays become stale; ``refreshArrays(_:)`` or lazy reads update them).
    func setMarket(_ u: Int, market: UnderlyingMarket?) {
        markets[u] = market
        indexOf[u] = market?.index ?? 0
        marketVersion[u] &+= 1
        hasMarket[u] = market != nil
        if let m = market {
            let row = InstrumentRiskArray.spotPnL(index: m.index, scenarios: calculator.scenarios)
            for i in 0..<stride { spotTable[u * rowStride + i] = row[i] }
        }
    }

    func addInstrument(id: String, _ instrument: Instrument) {
        guard instrumentSlot[id] == nil else { return }
        let u = addUnderlying(instrument.underlying)
        let slot = Int32(instruments.count)
        instrumentSlot[id] = slot
        instruments.append(instrument)
        instrumentIds.append(id)
        instrumentUnderlying.append(Int32(u))
        pnl += [Double](repeating: 0, count: rowStride)
        liquidationPerUnit.append(0); somPerUnit.append(0); valuePerUnit.append(0); forward.append(0)
        valuations.append(nil)
        arrayVersion.append(0)
        heldCount.append(0)
        isOption.append(instrument.option != nil)
        isLinear.append(instrument.settlement == .linear)
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
}
