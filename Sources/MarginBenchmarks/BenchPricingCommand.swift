import ArgumentParser
import Foundation
import MarginApp
import MarginCore

/// `margin-bench pricing`: Black-76 valuations per second on one core, scalar and batch kernel (on the best path and
/// on each instruction-set path this CPU has), against a numpy peer.
///
/// Each repetition revalues `--instruments` options (a fixed, seeded mix of calls and puts, ITM and OTM, expiries
/// from hours to 1.5 years, some expiring inside the 1-day time shift, rates 0 and 5%) over the reference grid of
/// MARGIN_MODEL.md: 21 price moves × 3 vol shifts × 2 time shifts = 126 scenarios. Reported: median, p10 and p90
/// over repetitions. The numpy peer (`benchmarks/peers/black76_numpy.py`) gets the same options and grid through a
/// temporary JSON file and runs in this same process tree, one thread, so the ratio comes from one machine and run.
struct BenchPricingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pricing",
        abstract: "Black-76 valuations/s per core: scalar, batch kernel per path (126-scenario grid), numpy peer.",
        discussion: """
            Single thread. Deviation: max over all options and scenarios of |batch − scalar| / max(|scalar|, \
            1e-12·F'), F' the scenario forward. Build in release mode: swift run -c release margin-bench pricing.
            """)

    @Option(help: "table or json.") var format: OutputFormat = .table
    @Option(help: "Options revalued per repetition.") var instruments: Int = 1000
    @Option(help: "Minimum repetitions per measurement.") var repetitions: Int = 15
    @Option(help: "Minimum seconds per measurement (repeats until both minimums are reached).") var seconds: Double = 1
    @Option(help: "wall (elapsed) or cpu (thread CPU time, for a busy machine); the peer uses the same.")
    var clock: BenchClock = .wall
    @Flag(help: "Skip the numpy peer.") var noPeer = false
    @Option(help: "Python interpreter for the peer.") var python: String = "python3"
    @Option(help: "Path of the peer script.") var peerScript: String = BenchPaths.inPackage("benchmarks/peers/black76_numpy.py")

    func validate() throws {
        guard (1...1_000_000).contains(instruments) else {
            throw ValidationError("--instruments must be in 1...1000000, got \(instruments)")
        }
        guard (1...100_000).contains(repetitions) else {
            throw ValidationError("--repetitions must be in 1...100000, got \(repetitions)")
        }
        guard seconds.isFinite, (0...3600).contains(seconds) else {
            throw ValidationError("--seconds must be in 0...3600, got \(seconds)")
        }
    }

    func run() throws {
        let parameters = RiskParameters.reference
        let grid = BenchGrid(priceMoves: parameters.priceMoves, volShifts: parameters.volShifts,
                             timeShifts: parameters.timeShiftsYears, minVol: parameters.minVol)
        let options = BenchOption.sample(count: instruments)
        let valuations = Double(options.count * grid.count)
        var checksum = 0.0

        let scalar = BenchSamples.measure(clock: clock, minRepetitions: repetitions, minSeconds: seconds,
                                          checksum: &checksum) {
            grid.scalarSum(options)
        }
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: grid.count)
        defer { out.deallocate() }
        let batch = BenchSamples.measure(clock: clock, minRepetitions: repetitions, minSeconds: seconds,
                                         checksum: &checksum) {
            grid.batchProbe(options, path: .best, out: out)
        }
        let deviation = grid.deviation(options, path: .best)
        var paths: [BenchPathResult] = []
        for path in Black76Grid._Path.allCases where path.isSupported {
            let samples = BenchSamples.measure(clock: clock, minRepetitions: repetitions, minSeconds: seconds,
                                               checksum: &checksum) {
                grid.batchProbe(options, path: path, out: out)
            }
            paths.append(BenchPathResult(name: path.name, rate: .rate(work: valuations, samples),
                                         differing: grid.deviation(options, path: path).differing))
        }

        var peer: PeerResult?
        var peerNote: String?
        if noPeer {
            peerNote = "numpy peer skipped (--no-peer)"
        } else {
            switch runPeer(grid: grid, options: options) {
            case .success(let result): peer = result
            case .failure(let failure): peerNote = failure.message
            }
        }

        let report = BenchPricingReport(
            options: options.count, scenarios: grid.count, instructionSet: Black76Grid.instructionSet, clock: clock,
            scalar: .rate(work: valuations, scalar), batch: .rate(work: valuations, batch),
            nsPerArray: .nanoseconds(per: Double(options.count), batch),
            repetitions: (scalar.count, batch.count), deviation: deviation, paths: paths, peer: peer,
            peerNote: peerNote, checksum: checksum)
        switch format {
        case .table: print(report.table())
        case .json: print(report.json().serialized())
        }
    }

    func runPeer(grid: BenchGrid, options: [BenchOption]) -> Result<PeerResult, BenchFailure> {
        guard FileManager.default.fileExists(atPath: peerScript) else {
            return .failure(BenchFailure(message: "numpy peer not run: \(peerScript) not found "
                + "(run from the package root or pass --peer-script)"))
        }
        let input = FileManager.default.temporaryDirectory
            .appendingPathComponent("margin-bench-pricing-\(ProcessInfo.processInfo.processIdentifier).json")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try Data(grid.peerInput(options).serialized(pretty: false).utf8).write(to: input)
        } catch {
            return .failure(BenchFailure(message: "numpy peer not run: cannot write \(input.path): \(error)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, peerScript, "--input", input.path, "--repetitions", "\(repetitions)",
                             "--seconds", "\(seconds)", "--clock", clock.rawValue]
        var environment = ProcessInfo.processInfo.environment
        for name in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"] {
            environment[name] = "1"
        }
        // Set on some processors by the machine image; they slow numpy down. Unset for the peer only.
        environment["OPENBLAS_CORETYPE"] = nil
        environment["OPENBLAS_L2_SIZE"] = nil
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            return .failure(BenchFailure(message: "numpy peer not run: cannot start /usr/bin/env \(python): \(error)"))
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = process.terminationStatus
        let root = try? JSONNode.parse([UInt8](output))
        if let message = try? root?.optional("error")?.string() {
            return .failure(BenchFailure(message: "numpy peer not run: \(message)"))
        }
        if status == 127 {
            return .failure(BenchFailure(message: "numpy peer not run: \(python) not found"))
        }
        guard status == 0, let root, let result = try? PeerResult(root) else {
            let detail = errorText.split(separator: "\n").suffix(3).joined(separator: " | ")
            return .failure(BenchFailure(message: "numpy peer failed (exit \(status)): \(detail)"))
        }
        return .success(result)
    }
}

/// The scenario grid of the benchmark.
struct BenchGrid {
    var priceMoves: [Double]
    var volShifts: [Double]
    var timeShifts: [Double]
    var minVol: Double

    var count: Int { priceMoves.count * volShifts.count * timeShifts.count }

    /// Σ of scalar `Black76.price` over every option and scenario, in the batch kernel's order.
    func scalarSum(_ options: [BenchOption]) -> Double {
        var sum = 0.0
        for o in options {
            for m in priceMoves {
                let f = o.forward * (1 + m)
                for v in volShifts {
                    let vol = max(o.vol * (1 + v), minVol)
                    for tau in timeShifts {
                        sum += Black76.price(forward: f, strike: o.strike, years: o.years - tau, vol: vol,
                                             rate: o.rate, right: o.right)
                    }
                }
            }
        }
        return sum
    }

    /// Revalues every option with the batch kernel on `path`; returns one price per option (rotating through the grid).
    func batchProbe(_ options: [BenchOption], path: Black76Grid._Path,
                    out: UnsafeMutableBufferPointer<Double>) -> Double {
        var sum = 0.0
        priceMoves.withUnsafeBufferPointer { pm in
            volShifts.withUnsafeBufferPointer { vs in
                timeShifts.withUnsafeBufferPointer { ts in
                    for (n, o) in options.enumerated() {
                        Black76Grid._revalue(path: path, forward: o.forward, strike: o.strike, years: o.years,
                                             vol: o.vol, rate: o.rate, right: o.right, minVol: minVol,
                                             priceMoves: pm, volShifts: vs, timeShifts: ts, into: out)
                        sum += out[n % out.count]
                    }
                }
            }
        }
        return sum
    }

    /// Batch on `path` vs scalar over every option and scenario: max |batch − scalar| / max(|scalar|, 1e-12·F').
    func deviation(_ options: [BenchOption], path: Black76Grid._Path) -> BenchDeviation {
        var result = BenchDeviation()
        var batch = [Double](repeating: 0, count: count)
        for (n, o) in options.enumerated() {
            priceMoves.withUnsafeBufferPointer { pm in
                volShifts.withUnsafeBufferPointer { vs in
                    timeShifts.withUnsafeBufferPointer { ts in
                        batch.withUnsafeMutableBufferPointer { out in
                            Black76Grid._revalue(path: path, forward: o.forward, strike: o.strike, years: o.years,
                                                 vol: o.vol, rate: o.rate, right: o.right, minVol: minVol,
                                                 priceMoves: pm, volShifts: vs, timeShifts: ts, into: out)
                        }
                    }
                }
            }
            var index = 0
            for m in priceMoves {
                let f = o.forward * (1 + m)
                for v in volShifts {
                    let vol = max(o.vol * (1 + v), minVol)
                    for tau in timeShifts {
                        let scalar = Black76.price(forward: f, strike: o.strike, years: o.years - tau, vol: vol,
                                                   rate: o.rate, right: o.right)
                        let relative = abs(batch[index] - scalar) / max(abs(scalar), 1e-12 * f)
                        if !(relative <= result.maxRelative) {
                            result.maxRelative = relative
                            result.worst = "option \(n) (\(o.right) F=\(o.forward) K=\(o.strike) T=\(o.years) "
                                + "σ=\(o.vol) r=\(o.rate)), m=\(m) v=\(v) τ=\(tau): batch \(batch[index]) "
                                + "scalar \(scalar)"
                        }
                        if batch[index] != scalar { result.differing += 1 }
                        result.batchSum += batch[index]
                        index += 1
                    }
                }
            }
        }
        return result
    }

    /// The options and grid for the peer, column-wise.
    func peerInput(_ options: [BenchOption]) -> JSONValue {
        func column(_ values: [Double]) -> JSONValue { .array(values.map(JSONValue.double)) }
        return .object([
            ("priceMoves", column(priceMoves)), ("volShifts", column(volShifts)), ("timeShifts", column(timeShifts)),
            ("minVol", .double(minVol)),
            ("forward", column(options.map(\.forward))), ("strike", column(options.map(\.strike))),
            ("years", column(options.map(\.years))), ("vol", column(options.map(\.vol))),
            ("rate", column(options.map(\.rate))), ("sign", column(options.map(\.right.sign))),
        ])
    }
}

/// One benchmark option: Black-76 inputs per one coin.
struct BenchOption {
    var forward: Double
    var strike: Double
    var years: Double
    var vol: Double
    var rate: Double
    var right: OptionRight

    /// A fixed, seeded mix: forwards 48k–72k, strikes ±50% in log-moneyness, vols 25%–150%, 10% of expiries under a
    /// day (they expire inside the 1-day time shift), the rest 1 day to 1.5 years; rate 5% on every third option.
    static func sample(count: Int) -> [BenchOption] {
        var state: UInt64 = 0x5EED_B76B_B76B_5EED
        func uniform() -> Double {  // SplitMix64 → [0, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        return (0..<count).map { n in
            let forward = 48_000 + 24_000 * uniform()
            let strike = (forward * exp(-0.5 + uniform())).rounded()
            let day = 1.0 / 365
            let years = n % 10 == 9 ? day * (0.05 + 0.9 * uniform()) : day * exp(log(547.5) * uniform())
            return BenchOption(forward: forward, strike: strike, years: years, vol: 0.25 + 1.25 * uniform(),
                               rate: n % 3 == 0 ? 0.05 : 0, right: n % 2 == 0 ? .call : .put)
        }
    }
}

/// The batch kernel on one instruction-set path.
struct BenchPathResult {
    var name: String
    var rate: BenchSummary
    /// Scenarios whose price on this path is not bit-identical to the scalar `Black76.price`.
    var differing: Int
}

/// Batch-vs-scalar agreement.
struct BenchDeviation {
    var maxRelative = 0.0
    var worst = ""
    /// Scenarios whose batch price is not bit-identical to the scalar one.
    var differing = 0
    /// Σ of batch prices over every option and scenario (compared with the peer's).
    var batchSum = 0.0
}

/// What the numpy peer printed.
struct PeerResult {
    var valuationsPerSecond: BenchSummary
    var nsPerArray: Double
    var repetitions: Int
    var checksum: Double
    var versions: String

    init(_ root: JSONNode) throws {
        valuationsPerSecond = BenchSummary(
            median: try root.required("valuationsPerSecond").double(),
            p10: try root.required("valuationsPerSecondP10").double(),
            p90: try root.required("valuationsPerSecondP90").double())
        nsPerArray = try root.required("nsPerArray").double()
        repetitions = try root.required("repetitions").integer()
        checksum = try root.required("checksum").double()
        versions = (try? root.required("versions").string()) ?? ""
    }
}

/// The results of `margin-bench pricing`, with the issue's targets.
struct BenchPricingReport {
    var options: Int
    var scenarios: Int
    var instructionSet: String
    var clock: BenchClock
    var scalar: BenchSummary
    var batch: BenchSummary
    var nsPerArray: BenchSummary
    var repetitions: (scalar: Int, batch: Int)
    var deviation: BenchDeviation
    var paths: [BenchPathResult]
    var peer: PeerResult?
    var peerNote: String?
    var checksum: Double

    static let batchTarget = 50e6
    static let nsPerArrayTarget = 3_000.0
    static let ratioTarget = 2.0
    static let deviationTarget = 1e-12

    var ratio: Double? { peer.map { batch.median / $0.valuationsPerSecond.median } }
    /// Relative difference of Σ prices, batch vs peer: both value the same options over the same grid.
    var peerAgreement: Double? {
        peer.map { abs($0.checksum - deviation.batchSum) / max(abs(deviation.batchSum), .leastNormalMagnitude) }
    }

    private func verdict(_ ok: Bool) -> String { ok ? "ok" : "MISSED" }

    func table() -> String {
        var text = "Black-76 on one core: \(options) options × \(scenarios) scenarios (reference grid), batch kernel "
            + "path \(instructionSet); \(repetitions.scalar) scalar / \(repetitions.batch) batch repetitions, \(clock) clock\n"
        var rows: [[String]] = [
            ["scalar Black76.price", formatRate(scalar.median), formatRate(scalar.p10), formatRate(scalar.p90),
             "valuations/s", ""],
            ["batch Black76Grid.revalue", formatRate(batch.median), formatRate(batch.p10), formatRate(batch.p90),
             "valuations/s", "≥ 50M: \(verdict(batch.median >= Self.batchTarget))"],
            ["batch, one 126-scenario array", String(format: "%.0f", nsPerArray.median),
             String(format: "%.0f", nsPerArray.p10), String(format: "%.0f", nsPerArray.p90), "ns",
             "≤ 3000: \(verdict(nsPerArray.median <= Self.nsPerArrayTarget))"],
            ["batch / scalar", String(format: "%.2f×", batch.median / scalar.median), "", "", "", ""],
        ]
        for path in paths {
            rows.append(["batch, \(path.name) path", formatRate(path.rate.median), formatRate(path.rate.p10),
                         formatRate(path.rate.p90), "valuations/s",
                         "\(path.differing) not bit-identical"])
        }
        if let peer, let ratio {
            let v = peer.valuationsPerSecond
            rows += [
                ["numpy peer (scipy ndtr)", formatRate(v.median), formatRate(v.p10), formatRate(v.p90),
                 "valuations/s", ""],
                ["batch / numpy", String(format: "%.2f×", ratio), "", "", "",
                 "≥ 2×: \(verdict(ratio >= Self.ratioTarget))"],
            ]
        }
        text += renderTable(["measure", "median", "p10", "p90", "unit", "target"], rows)
        text += "\nmax relative deviation batch vs scalar: "
            + String(format: "%.3e", deviation.maxRelative)
            + " (|Δ| / max(|scalar|, 1e-12·F')); ≤ 1e-12: \(verdict(deviation.maxRelative <= Self.deviationTarget)); "
            + "\(deviation.differing) of \(options * scenarios) not bit-identical"
        if deviation.maxRelative > 0 { text += "\n  worst: \(deviation.worst)" }
        if let peer, let agreement = peerAgreement {
            text += "\nnumpy peer: \(peer.repetitions) repetitions, \(String(format: "%.0f", peer.nsPerArray)) ns per "
                + "array, Σ prices agree with the batch to \(String(format: "%.1e", agreement)) relative; "
                + peer.versions
        }
        if let peerNote { text += "\nnote: \(peerNote)" }
        text += "\nchecksum \(checksum)"
        return text
    }

    func json() -> JSONValue {
        func summary(_ s: BenchSummary) -> JSONValue {
            .object([("median", .double(s.median)), ("p10", .double(s.p10)), ("p90", .double(s.p90))])
        }
        var fields: [(key: String, value: JSONValue)] = [
            ("options", .double(Double(options))), ("scenarios", .double(Double(scenarios))),
            ("instructionSet", .string(instructionSet)), ("clock", .string(clock.rawValue)),
            ("scalarValuationsPerSecond", summary(scalar)), ("batchValuationsPerSecond", summary(batch)),
            ("nsPerArray", summary(nsPerArray)),
            ("repetitions", .object([("scalar", .double(Double(repetitions.scalar))),
                                     ("batch", .double(Double(repetitions.batch)))])),
            ("maxRelativeDeviation", .double(deviation.maxRelative)),
            ("notBitIdentical", .double(Double(deviation.differing))),
            ("paths", .array(paths.map { path in
                .object([("path", .string(path.name)), ("valuationsPerSecond", summary(path.rate)),
                         ("notBitIdentical", .double(Double(path.differing)))])
            })),
        ]
        if let peer, let ratio, let agreement = peerAgreement {
            fields += [
                ("numpyValuationsPerSecond", summary(peer.valuationsPerSecond)),
                ("numpyNsPerArray", .double(peer.nsPerArray)),
                ("batchOverNumpy", .double(ratio)),
                ("numpyChecksumAgreement", .double(agreement)),
                ("numpyVersions", .string(peer.versions)),
            ]
        }
        if let peerNote { fields.append(("note", .string(peerNote))) }
        fields += [
            ("targetsMet", .object([
                ("batchValuationsPerSecond", .bool(batch.median >= Self.batchTarget)),
                ("nsPerArray", .bool(nsPerArray.median <= Self.nsPerArrayTarget)),
                ("batchOverNumpy", ratio.map { .bool($0 >= Self.ratioTarget) } ?? .null),
                ("maxRelativeDeviation", .bool(deviation.maxRelative <= Self.deviationTarget)),
            ])),
            ("checksum", .double(checksum)),
        ]
        return .object(fields)
    }
}
