import ArgumentParser
import Foundation
import MarginApp
import MarginCore

/// `margin-bench margin`: the margin calculator's hot paths on books built from the example market.
///
/// - `account20`: one account of 20 positions (options, futures, perpetuals over BTC and ETH) re-margined from cached
///   instrument arrays: aggregation + components + MM/IM, nothing repriced (the real-time engine's per-account work).
/// - `book500`: a 500-option market-maker book from scratch: validation, 500 instrument risk arrays (132 scenarios
///   each: 126 regular, 4 extreme, 2 roll), aggregation, equity and health.
/// - `correlated3`: a 30-position book over BTC, ETH and SOL in `correlated` mode: the joint maximum over the
///   21³ grid for both stressed matrices, from cached instrument arrays, and from scratch.
struct BenchMarginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "margin",
        abstract: "Margin calculator: 20-position account from cached arrays, 500-option book from scratch, "
            + "correlated mode over 3 underlyings.")

    @Option(help: "Market snapshot the books are built on.") var market: String = BenchPaths.inPackage("examples/market.json")
    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: "Minimum repetitions per measurement.") var repetitions: Int = 15
    @Option(help: "Minimum seconds per measurement.") var seconds: Double = 1
    @Option(help: "wall (elapsed) or cpu (thread CPU time).") var clock: BenchClock = .wall
    @Flag(help: "Skip the numpy peer.") var noPeer = false
    @Option(help: "Run only this case (account20, book500, correlated3), e.g. under a profiler.") var only: String?

    func run() throws {
        let snapshot = try InputFile.decode(market, option: "--market") { (n) throws(InputError) in try MarketSnapshot(json: n) }
        for name in ["BTC", "ETH", "SOL"] where snapshot.underlyings[name]?.volSurface == nil {
            throw BenchFailure(message: "--market \(market): the benchmark needs BTC, ETH and SOL with vol surfaces")
        }
        let calc = MarginCalculator()
        var checksum = 0.0

        // account20: from cached instrument arrays.
        let account = BenchBooks.mixed(market: snapshot, count: 20, underlyings: ["BTC", "ETH"], seed: 20)
        let arrays = try calc.instrumentArrays(for: account, market: snapshot)
        let holdings = account.positions.compactMap { p in arrays[p.instrument].map { Holding(array: $0, size: p.size) } }
        let accountsPerRepetition = 2_000
        func wanted(_ name: String) -> Bool { only == nil || only == name }
        let account20 = BenchSamples.measure(clock: clock, minRepetitions: wanted("account20") ? repetitions : 1,
                                             minSeconds: wanted("account20") ? seconds : 0,
                                             checksum: &checksum) {
            var sum = 0.0
            for _ in 0..<accountsPerRepetition {
                let r = try? calc.requirement(calc.riskArrays(holdings: holdings), correlations: snapshot.correlations)
                sum += r?.maintenanceMargin ?? .nan
            }
            return sum
        }

        // book500: from scratch.
        let book = BenchBooks.optionBook(market: snapshot, count: 500, seed: 500)
        let book500 = BenchSamples.measure(clock: clock, minRepetitions: wanted("book500") ? repetitions : 1,
                                           minSeconds: wanted("book500") ? seconds : 0,
                                           checksum: &checksum) {
            (try? calc.margin(of: book, market: snapshot, explain: false))?.maintenanceMargin ?? .nan
        }

        // correlated3.
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let correlated = MarginCalculator(parameters: params)
        let book3 = BenchBooks.mixed(market: snapshot, count: 30, underlyings: ["BTC", "ETH", "SOL"], seed: 3)
        let arrays3 = try correlated.instrumentArrays(for: book3, market: snapshot)
        let holdings3 = book3.positions.compactMap { p in arrays3[p.instrument].map { Holding(array: $0, size: p.size) } }
        let correlatedCached = BenchSamples.measure(clock: clock, minRepetitions: wanted("correlated3") ? repetitions : 1,
                                                    minSeconds: wanted("correlated3") ? seconds : 0,
                                                    checksum: &checksum) {
            (try? correlated.requirement(correlated.riskArrays(holdings: holdings3),
                                         correlations: snapshot.correlations))?.maintenanceMargin ?? .nan
        }
        let correlatedScratch = BenchSamples.measure(clock: clock, minRepetitions: wanted("correlated3") ? repetitions : 1,
                                                     minSeconds: wanted("correlated3") ? seconds : 0,
                                                     checksum: &checksum) {
            (try? correlated.margin(of: book3, market: snapshot, explain: false))?.maintenanceMargin ?? .nan
        }

        // The numpy peer of `margin-bench pricing` on 500 options; its time for the book's 500 × 132 valuations
        // (126 regular, 4 extreme, 2 roll scenarios per option) is 66,000 / its valuations per second.
        var peerNanoseconds: Double?
        var peerNote = "numpy peer skipped (--no-peer)"
        if !noPeer && wanted("book500") {
            let pricing = try BenchPricingCommand.parse(["--instruments", "500", "--clock", clock.rawValue])
            let p = RiskParameters.reference
            let grid = BenchGrid(priceMoves: p.priceMoves, volShifts: p.volShifts, timeShifts: p.timeShiftsYears,
                                 minVol: p.minVol)
            switch pricing.runPeer(grid: grid, options: BenchOption.sample(count: 500)) {
            case .success(let peer):
                let valuations = Double(book.positions.count * calc.scenarios.count)
                peerNanoseconds = valuations / peer.valuationsPerSecond.median * 1e9
                peerNote = "numpy peer (\(peer.versions)): \(formatNumber(valuations, digits: 0)) valuations in "
                    + "\(formatNumber(peerNanoseconds ?? 0, digits: 0)) ns; book500 is "
                    + String(format: "%.1f×", (peerNanoseconds ?? 0) / book500.median / 1e9) + " faster"
            case .failure(let failure): peerNote = failure.message
            }
        }

        let rows: [(String, BenchSummary, String, String)] = [
            ("account20 (cached arrays)", .nanoseconds(per: Double(accountsPerRepetition), account20), "ns/account",
             "≤ 2,000 ns"),
            ("book500 (from scratch)", .nanoseconds(per: 1, book500), "ns/book", "≤ 1,500,000 ns"),
            ("correlated3 (cached arrays)", .nanoseconds(per: 1, correlatedCached), "ns/account", "≤ 1,000,000 ns"),
            ("correlated3 (from scratch)", .nanoseconds(per: 1, correlatedScratch), "ns/account", ""),
        ]
        switch format {
        case .json:
            print(JSONValue.object([
                ("kernel", .string(Black76Grid.instructionSet)),
                ("clock", .string(clock.rawValue)),
                ("results", .array(rows.map { name, s, unit, target in
                    .object([("name", .string(name)), ("unit", .string(unit)), ("median", .double(s.median)),
                             ("p10", .double(s.p10)), ("p90", .double(s.p90)), ("target", .string(target))])
                })),
                ("numpyPeerBook500Nanoseconds", peerNanoseconds.map(JSONValue.double) ?? .null),
                ("peerNote", .string(peerNote)),
                ("checksum", .double(checksum)),
            ]).serialized())
        case .table:
            print("margin-bench (release build, one thread, kernel \(Black76Grid.instructionSet), clock \(clock.rawValue))")
            print(renderTable(["case", "median", "p10", "p90", "unit", "target"], rows.map { name, s, unit, target in
                [name, formatNumber(s.median, digits: 0), formatNumber(s.p10, digits: 0), formatNumber(s.p90, digits: 0),
                 unit, target]
            }))
            print(peerNote)
            print("checksum \(checksum)")
        }
    }
}

/// Deterministic benchmark books on the example market.
enum BenchBooks {
    /// `count` distinct options on BTC: 3 expiries × strikes 50,000…149,000 × call/put × linear/inverse.
    static func optionBook(market: MarketSnapshot, count: Int, seed: UInt64) -> Portfolio {
        var rng = BenchRandom(seed)
        let expiries = (market.underlyings["BTC"]?.volSurface?.slices ?? []).map(\.expiry)
        var positions: [Position] = []
        var k = 0
        while positions.count < count, !expiries.isEmpty {
            let expiry = expiries[k % expiries.count]
            let strike = 50_000 + Double((k / expiries.count / 4) * 1_000)
            let right: OptionRight = (k / expiries.count) % 2 == 0 ? .call : .put
            let settlement: Settlement = (k / expiries.count / 2) % 2 == 0 ? .linear : .inverse
            let q = (rng.uniform() * 20 - 10).rounded() / 2
            positions.append(Position(instrument: Instrument(
                underlying: "BTC", kind: .option(OptionContract(expiry: expiry, strike: strike, right: right)),
                settlement: settlement), size: q == 0 ? 1 : q))
            k += 1
        }
        return Portfolio(account: "book\(count)", balances: ["USDC": 5_000_000], positions: positions)
    }

    /// `count` positions: 60% options, 20% futures, 20% perpetuals, linear and inverse, over `underlyings`.
    static func mixed(market: MarketSnapshot, count: Int, underlyings: [String], seed: UInt64) -> Portfolio {
        var rng = BenchRandom(seed)
        var positions: [Position] = []
        for i in 0..<count {
            let name = underlyings[i % underlyings.count]
            guard let u = market.underlyings[name] else { continue }
            let expiries = (u.volSurface?.slices ?? []).map(\.expiry)
            let expiry = expiries[Int(rng.uniform() * Double(expiries.count)) % max(expiries.count, 1)]
            let settlement: Settlement = rng.uniform() < 0.5 ? .linear : .inverse
            let q = ((rng.uniform() * 20 - 10) * 10).rounded() / 10
            let kind: Instrument.Kind
            let roll = rng.uniform()
            if roll < 0.6 {
                let strike = (u.index * (0.7 + 0.6 * rng.uniform()) / 100).rounded() * 100
                kind = .option(OptionContract(expiry: expiry, strike: strike, right: rng.uniform() < 0.5 ? .call : .put))
            } else {
                kind = roll < 0.8 ? .future(expiry: expiry) : .perpetual
            }
            let instrument = Instrument(underlying: name, kind: kind, settlement: settlement)
            positions.append(Position(instrument: instrument, size: instrument.isSizedByNotional ? q * u.index : q))
        }
        return Portfolio(account: "mixed\(count)", balances: ["USDC": 1_000_000], positions: positions)
    }
}

/// SplitMix64 → uniform [0, 1): reproducible books without Foundation's generator.
struct BenchRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
