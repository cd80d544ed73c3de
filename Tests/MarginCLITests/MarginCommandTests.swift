import Foundation
import MarginCore
import Testing

/// Runs the built `margin` executable (next to the test bundle) and checks its output formats and exit codes: the
/// contract other tools rely on (MARGIN_MODEL.md "Output", exit status 2 for usage and input errors).
@Suite struct MarginCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        .standardized
    static var sharedExamples: String { root.appendingPathComponent("../shared/examples").standardized.path }
    static var examples: String { root.appendingPathComponent("examples").path }

    static func marginURL() -> URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("margin")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs `margin args…`; returns exit status, standard output and standard error.
    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let exe = try #require(marginURL(), "build the margin executable first (swift build --build-tests)")
        let process = Process()
        process.executableURL = exe
        process.arguments = args
        process.currentDirectoryURL = root
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self),
                String(decoding: errData, as: UTF8.self))
    }

    @Test func computeJSONHasTheSpecifiedFields() throws {
        let r = try Self.run(["compute", "--market", "\(Self.sharedExamples)/market.json",
                              "--portfolio", "\(Self.sharedExamples)/portfolio.json", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try JSONNode.parse(r.out)
        for field in ["initialMargin", "maintenanceMargin", "equity"] { _ = try json.required(field).double() }
        #expect(["healthy", "restricted", "liquidation", "takeover"].contains(try json.required("health").string()))
        let im = try json.required("initialMargin").double()
        let mm = try json.required("maintenanceMargin").double()
        #expect(abs(im - 1.3 * mm) <= 1e-9 * im)
        for name in ["BTC", "ETH"] {
            let u = try json.required("underlyings").required(name)
            for field in ["scan", "extreme", "som", "roll", "liquidationCost"] { #expect(try u.required(field).double() >= 0) }
            let riskArray = try u.required("riskArray").array()
            #expect(riskArray.count == 21)
            for row in riskArray {
                let vols = try row.array()
                #expect(vols.count == 3)
                for v in vols { #expect(try v.array().count == 2) }
            }
        }
    }

    @Test func priceJSONHasGreeksAndCoinPriceForInverse() throws {
        let r = try Self.run(["price", "--market", "\(Self.sharedExamples)/market.json", "--underlying", "BTC",
                              "--expiry", "2026-03-27T08:00:00Z", "--strike", "100000", "--right", "call",
                              "--settlement", "inverse", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try JSONNode.parse(r.out)
        for field in ["price", "delta", "gamma", "vega", "theta", "rho", "priceCoin"] { _ = try json.required(field).double() }
        // priceCoin · F = the Black-76 price; USD price = priceCoin · S (inverse valuation B76·S/F).
        let price = try json.required("price").double()
        let coin = try json.required("priceCoin").double()
        #expect(abs(price - coin * 90_000) <= 1e-9 * price)
        let overridden = try Self.run(["price", "--market", "\(Self.sharedExamples)/market.json", "--underlying", "BTC",
                                       "--expiry", "2026-03-27T08:00:00Z", "--strike", "100000", "--right", "call",
                                       "--vol", "0.8", "--format", "json"])
        #expect(try JSONNode.parse(overridden.out).required("vol").double() == 0.8)
    }

    @Test func premiumRoundTripsThroughImpliedVol() throws {
        let args = ["price", "--market", "\(Self.sharedExamples)/market.json", "--underlying", "BTC",
                    "--expiry", "2026-03-27T08:00:00Z", "--strike", "80000", "--right", "put", "--format", "json"]
        let atSurface = try JSONNode.parse(try Self.run(args).out)
        let premium = try atSurface.required("price").double()
        let solved = try JSONNode.parse(try Self.run(args + ["--premium", "\(premium)"]).out)
        #expect(abs(try solved.required("vol").double() - atSurface.required("vol").double()) < 1e-9)
    }

    /// Each case replaces one option of a valid `price` call with a bad value; the error names it, status 2.
    @Test(arguments: [
        ("--underlying", "XRP", "unknown underlying"),
        ("--strike", "-5", "--strike"),
        ("--expiry", "2025-01-01T00:00:00Z", "--expiry"),
        ("--expiry", "not-a-date", "--expiry"),
        ("--premium", "1000000", "--premium"),
        ("--right", "straddle", "--right"),
    ])
    func priceRejectsBadInputWithStatus2(option: String, value: String, mentions: String) throws {
        var values = ["--underlying": "BTC", "--expiry": "2026-03-27T08:00:00Z", "--strike": "100000", "--right": "call"]
        values[option] = value
        let args = ["price", "--market", "\(Self.sharedExamples)/market.json"]
            + values.keys.sorted().map { "\($0)=\(values[$0] ?? "")" }
        let r = try Self.run(args)
        #expect(r.status == 2)
        #expect(r.err.contains(mentions), "\(r.err)")
    }

    @Test func computeRejectsBadFilesWithStatus2() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            ("{\"positions\": [", "malformed JSON"),
            ("{\"account\": \"a\", \"account\": \"b\"}", "appears more than once"),
            ("{\"positions\": [{\"kind\": \"future\", \"underlying\": \"DOGE\", \"expiry\": \"2026-03-27T08:00:00Z\", "
                + "\"quantity\": 1, \"settlement\": \"linear\"}]}", "$.positions[0].underlying"),
            ("{\"positions\": [{\"kind\": \"option\", \"underlying\": \"BTC\", \"expiry\": \"2026-01-01T00:00:00Z\", "
                + "\"strike\": 90000, \"right\": \"call\", \"quantity\": 1, \"settlement\": \"linear\"}]}",
             "$.positions[0].expiry"),
            ("{\"positions\": [{\"kind\": \"future\", \"underlying\": \"BTC\", \"expiry\": \"2026-03-27T08:00:00Z\", "
                + "\"quantity\": 1, \"settlement\": \"inverse\"}]}", "notionalUSD"),
        ]
        for (i, (text, mention)) in cases.enumerated() {
            let file = dir.appendingPathComponent("p\(i).json")
            try Data(text.utf8).write(to: file)
            let r = try Self.run(["compute", "--market", "\(Self.sharedExamples)/market.json", "--portfolio", file.path])
            #expect(r.status == 2, "case \(i)")
            #expect(r.err.contains(mention), "case \(i): \(r.err)")
        }
        let missing = try Self.run(["compute", "--market", "/nonexistent.json", "--portfolio", "x.json"])
        #expect(missing.status == 2)
    }

    @Test func compareAndWhatIf() throws {
        let m = "\(Self.examples)/market.json"
        let compare = try JSONNode.parse(try Self.run(["compare", "--market", m, "--portfolio",
                                                       "\(Self.examples)/covered-call.json", "--format", "json"]).out)
        let models = try compare.required("models").array().map { try $0.required("model").string() }
        #expect(models == ["portfolio", "fixedPercentage", "isolated", "standardCross"])
        let whatIf = try JSONNode.parse(try Self.run([
            "what-if", "--market", m, "--portfolio", "\(Self.examples)/covered-call.json",
            "--trade", "\(Self.examples)/trades/sell-calls.json", "--format", "json",
        ]).out)
        _ = try whatIf.required("accepted").bool()
        _ = try whatIf.required("after").required("initialMargin").double()
    }
}
