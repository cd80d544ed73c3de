import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStorage

/// `margin-bench liquidation`: the liquidation engine's benchmarks (release build only).
///
/// 1. **Breach → first liquidation order.** One account of `--positions` BTC positions (options near the money and a
///    long perpetual, funded to 1.02 × IM: ``CrashPopulation``'s `large`), its counterparties, the books, backstops
///    and the fund, alone and inside populations of `--background` other traders. Each repetition opens a fresh
///    engine (journal in memory), warms it (a deposit into a new account and an unchanged book: the first change of
///    each journaled map after opening copies it once; then `--warm-ticks` BTC ticks at an unchanged index, as a
///    live engine has seen: the pass helper's first pass, the arrays' memory) and submits the BTC update that
///    takes the account below MM; timed from just before
///    the submit (the caller's side, so the hop onto the engine's thread is included) to the account's first
///    `liquidation` step (the first order sent to the book): when the engine issues it (journaled, committed and
///    published: ``LiquidationNotice/published``) and when a subscriber of ``RiskEngine/liquidationNotices()`` (a
///    task of the cooperative pool) receives it; and to the submit's return (the whole turn: re-margin, health
///    events, margin calls, every step due). Among `--background` traders the accounts more underwater than the
///    large one are liquidated first, so the table also gives the first order of any account.
/// 2. **Cost per action** (``LiquidationActionCost``): `--action-traders` traders after a 12% fall, liquidated on
///    the core in slices of one action (planning, validation and commit; no journal): partial step and takeover
///    medians.
/// 3. **Crash replays.** ``CrashReplay`` of `--scenario` over each `--accounts` count (journal in memory): wall time,
///    liquidation steps per second of wall time, the cost per account and point of the path, and the ledger
///    invariants at the end.
struct BenchLiquidationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liquidation",
        abstract: "Liquidation: breach → first liquidation order for a 50-position account; crash replays at scale.")

    @Option(help: "Positions of the liquidated account.") var positions: Int = 50
    @Option(help: "Repetitions of the breach measurement (each on a fresh engine).") var repetitions: Int = 101
    @Option(help: "BTC ticks at an unchanged index before the breaching one (a live engine has ticked before; 0: the first tick breaches).")
    var warmTicks: Int = 1
    @Option(help: "Other traders in the engine during the breach measurement (repeatable).")
    var background: [Int] = [0, 10_000]
    @Option(help: "Crash scenario of the replays.") var scenario: String = "march-2020"
    @Option(help: "Traders of each crash replay (repeatable; 0 skips the replays).")
    var accounts: [Int] = [10_000, 100_000]
    @Option(help: "Traders of the per-action cost measurement (0 skips it).") var actionTraders: Int = 10_000
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        guard (2...1_000).contains(positions) else { throw ValidationError("--positions must be in 2...1000") }
        guard (1...100_000).contains(repetitions) else { throw ValidationError("--repetitions must be in 1...100000") }
        guard (0...100).contains(warmTicks) else { throw ValidationError("--warm-ticks must be in 0...100") }
        guard background.allSatisfy({ (0...1_000_000).contains($0) }) else {
            throw ValidationError("--background must be in 0...1000000")
        }
        guard accounts.allSatisfy({ (0...1_000_000).contains($0) }) else {
            throw ValidationError("--accounts must be in 0...1000000 (0 skips the replays)")
        }
    }

    func run() async throws {
        let path = try CrashScenario.named(scenario).path(seed: 1)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date()); release build")
        var json: [(String, JSONValue)] = []

        // 1: breach → first liquidation order.
        var breachRows: [[String]] = []
        var breachJSON: [JSONValue] = []
        for others in background {
            let genesis = CrashPopulation.genesis(market: SimulatedMarket(seed: 7), accounts: others, optionsPerUnderlying: 200, seed: 8,
                                                  insuranceFund: 1_000_000, largeAccountPositions: positions,
                                                  margins: { $0.accountRequirements() })
            guard let held = genesis.accounts["large"]?.positions.count, held == positions else {
                throw BenchFailure(message: "the population holds \(genesis.accounts["large"]?.positions.count ?? 0) "
                                   + "positions in the large account, not \(positions) (too few options listed?)")
            }
            let reps = others == 0 ? repetitions : max(5, repetitions / 10)
            let factor = try await breachingFactor(genesis)
            var issued: [Double] = []
            var received: [Double] = []
            var anyAccount: [Double] = []
            var turn: [Double] = []
            var steps = 0
            for _ in 0..<reps {
                let timing = try await timeBreach(genesis, factor: factor)
                issued.append(timing.issued)
                received.append(timing.received)
                anyAccount.append(timing.anyAccount)
                turn.append(timing.turn)
                steps = timing.steps
            }
            let f = BenchSamples(seconds: issued)
            let r = BenchSamples(seconds: received)
            let a = BenchSamples(seconds: anyAccount)
            let t = BenchSamples(seconds: turn)
            let label = others == 0 ? "alone" : "among \(others) traders"
            breachRows.append([label, "\(reps)", String(format: "−%.1f%%", (1 - factor) * 100),
                               us(f.median), us(f.quantile(0.9)), us(f.quantile(0.99)), us(r.median), us(r.quantile(0.99)),
                               us(a.median), us(t.median), us(t.quantile(0.99)), "\(steps)"])
            breachJSON.append(.object([("background", .double(Double(others))), ("repetitions", .double(Double(reps))),
                                       ("warmTicks", .double(Double(warmTicks))),
                                       ("move", .double(factor - 1)),
                                       ("firstOrderMedianSeconds", .double(f.median)),
                                       ("firstOrderP90Seconds", .double(f.quantile(0.9))),
                                       ("firstOrderP99Seconds", .double(f.quantile(0.99))),
                                       ("receivedMedianSeconds", .double(r.median)),
                                       ("receivedP99Seconds", .double(r.quantile(0.99))),
                                       ("firstOrderAnyAccountMedianSeconds", .double(a.median)),
                                       ("turnMedianSeconds", .double(t.median)),
                                       ("turnP99Seconds", .double(t.quantile(0.99))),
                                       ("stepsInTurn", .double(Double(steps)))]))
        }
        json.append(("breach", .array(breachJSON)))

        // 2: cost per action.
        var actionRow: [String]?
        if actionTraders > 0 {
            let cost = try LiquidationActionCost.measure(traders: actionTraders)
            actionRow = ["\(actionTraders)", "\(cost.slices)", "\(cost.steps.count)", us(cost.steps.median),
                         us(cost.steps.quantile(0.9)), "\(cost.takeovers.count)", us(cost.takeovers.median),
                         us(cost.takeovers.quantile(0.9))]
            json.append(("actions", .object([("traders", .double(Double(actionTraders))),
                                             ("stepMedianSeconds", .double(cost.steps.median)),
                                             ("takeoverMedianSeconds", .double(cost.takeovers.median))])))
        }

        // 3: crash replays.
        var replayRows: [[String]] = []
        var replayJSON: [JSONValue] = []
        for n in accounts where n > 0 {
            var configuration = CrashReplay.Configuration(path: path)
            configuration.accounts = n
            configuration.insuranceFund = 0
            let r = try await CrashReplay.run(configuration, store: InMemoryJournal(), legacy: false)
            let perSecond = Double(r.partialLiquidations) / r.wallSeconds
            let perAccountPoint = r.wallSeconds / Double(n) / Double(max(1, r.points.count)) * 1e9
            replayRows.append(["\(n)", String(format: "%.1f", r.wallSeconds), "\(r.marginCalls)",
                               "\(r.partialLiquidations)", String(format: "%.0f", perSecond), "\(r.takeovers)",
                               "\(r.adlEvents)", String(format: "%.0f", perAccountPoint),
                               r.invariantViolations.isEmpty ? "hold" : "\(r.invariantViolations.count) broken"])
            replayJSON.append(.object([("accounts", .double(Double(n))), ("wallSeconds", .double(r.wallSeconds)),
                                       ("marginCalls", .double(Double(r.marginCalls))),
                                       ("partialLiquidations", .double(Double(r.partialLiquidations))),
                                       ("stepsPerSecond", .double(perSecond)), ("takeovers", .double(Double(r.takeovers))),
                                       ("adlEvents", .double(Double(r.adlEvents))), ("sequence", .double(Double(Int(r.sequence)))),
                                       ("nanosecondsPerAccountPoint", .double(perAccountPoint)),
                                       ("invariantViolations", .double(Double(r.invariantViolations.count)))]))
            if !r.invariantViolations.isEmpty {
                throw BenchFailure(message: "\(scenario) over \(n) accounts: invariants broken: "
                                   + r.invariantViolations.prefix(3).joined(separator: "; "))
            }
        }
        json.append(("replays", .array(replayJSON)))

        switch format {
        case .json:
            print(JSONValue.object(json).serialized())
        case .table:
            print("\nbreach → first liquidation order (\(positions)-position account; \(warmTicks) unchanged BTC tick(s) "
                  + "before the breaching one; µs; target p99 ≤ 1,000 µs for the first order issued):")
            print(renderTable(["engine", "reps", "BTC move", "first order issued p50", "p90", "p99", "received p50", "p99",
                               "any account's p50", "whole turn p50", "p99", "steps in turn"], breachRows))
            if let actionRow {
                print("\ncost per action (crash population after a 12% fall, core alone, slices of one action; µs; "
                      + "targets: step ≤ 20, takeover ≤ 100 median):")
                print(renderTable(["traders", "slices", "steps", "step p50", "p90", "takeovers", "takeover p50", "p90"],
                                  [actionRow]))
            }
            if !replayRows.isEmpty {
                print("\n\(scenario) crash replays (journal in memory, insurance fund 0, \(path.steps.count) points):")
                print(renderTable(["accounts", "wall s", "margin calls", "steps", "steps/s", "takeovers", "ADL fills",
                                   "ns per account·point", "invariants"], replayRows))
            }
        }
    }

    /// The smallest BTC fall, in whole percent, that takes `large` below MM (a market call journaled for it).
    private func breachingFactor(_ genesis: EngineState) async throws -> Double {
        for percent in 1...60 {
            let factor = 1 - Double(percent) / 100
            let timing = try await timeBreach(genesis, factor: factor, required: false)
            if timing.steps > 0 { return factor }
        }
        throw BenchFailure(message: "no BTC fall up to 60% takes the large account below MM")
    }

    /// Opens a fresh engine on `genesis`, submits the BTC update `index × factor`, and times it.
    private func timeBreach(_ genesis: EngineState, factor: Double, required: Bool = true) async throws
        -> (issued: Double, received: Double, anyAccount: Double, turn: Double, steps: Int)
    {
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: genesis, snapshotGenesis: false)
        try await engine.journalDue()
        // Warm, as a live engine is: the first change of each journaled map after opening from a genesis that the
        // caller still holds copies the map (every account's ledger, every book) once. A deposit into a new account
        // and an unchanged book touch them without changing anything a liquidation reads.
        try await engine.submit(.deposit(Transfer(account: "warm-up", currency: "USD", amount: 1)))
        if let (id, book) = genesis.books.min(by: { $0.key < $1.key }) {
            try await engine.submit(.book(BookUpdate(instrument: id, book: book)))
        }
        guard let btc = genesis.markets["BTC"] else { throw BenchFailure(message: "the population has no BTC") }
        // Ticks at an unchanged index, as a live engine has seen before the breaching one (the pass helper thread
        // runs its first pass, the arrays' memory is touched); then the breaching tick.
        for k in 0..<warmTicks {
            let tick = MarketUpdate(underlying: "BTC", time: genesis.time.adding(seconds: Int64(k + 1)), index: btc.index)
            try await engine.submit(.market(tick))
        }
        let update = MarketUpdate(underlying: "BTC", time: genesis.time.adding(seconds: Int64(warmTicks + 1)),
                                  index: btc.index * factor)
        let notices = await engine.liquidationNotices()
        // The first step of any account (issued), and the large account's (issued, received).
        let received = Task { () -> (any: ContinuousClock.Instant, issued: ContinuousClock.Instant,
                                     received: ContinuousClock.Instant)? in
            var any: ContinuousClock.Instant?
            for await notice in notices {
                guard case .liquidation(let step) = notice.event else { continue }
                if any == nil { any = notice.published }
                if step.account == "large" { return (any ?? notice.published, notice.published, .now) }
            }
            return nil
        }
        let start = ContinuousClock.now
        let ack = try await engine.submit(.market(update))
        let end = ContinuousClock.now
        let steps = ack.followUps.filter {
            if case .liquidation(let s) = $0 { return s.account == "large" }
            return false
        }.count
        await engine.shutdown()
        let firstOrder = await received.value
        await engine.close()
        guard steps > 0, let firstOrder else {
            if required { throw BenchFailure(message: "a BTC move of \(factor - 1) gave no liquidation step") }
            return (0, 0, 0, 0, 0)
        }
        return ((firstOrder.issued - start).secondsValue, (firstOrder.received - start).secondsValue,
                (firstOrder.any - start).secondsValue, (end - start).secondsValue, steps)
    }

    private func us(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1e6) }
}
