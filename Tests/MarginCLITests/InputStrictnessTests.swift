import Foundation
import MarginCore
import Testing

/// Issue item 9: inputs a user would write. An underlying without options may give `"volSurface": []` (or omit
/// it), and an option on it is then an error naming the missing surface (exit status 2); a parameter file with an
/// unknown key is an error naming the key with its JSON path (exit status 2), while market and portfolio files
/// stay lenient about unknown keys.
@Suite struct InputStrictnessTests {
    typealias C = MarginCommandTests

    /// A temporary directory with `files` written into it; removed after `body`.
    static func withFiles(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-strict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try body(dir)
    }

    /// market.json with SOL (no options: `volSurface` given as `surfaceText`, or absent when `nil`) beside BTC.
    static func market(sol surfaceText: String?) -> String {
        let surface = surfaceText.map { #", "volSurface": \#($0)"# } ?? ""
        return #"""
            {"valuationTime": "2026-01-09T08:00:00Z", "source": "a key the format does not define",
             "underlyings": {
               "BTC": {"index": 90000, "volSurface": [{"expiry": "2026-03-27T08:00:00Z",
                        "points": [{"strike": 90000, "iv": 0.5}]}]},
               "SOL": {"index": 150, "perpetualPrice": 150.2, "comment": "no options"\#(surface)}}}
            """#
    }

    static let solPerpetual = #"""
        {"account": "sol", "balances": {"USDC": 10000}, "note": "lenient",
         "positions": [{"kind": "perpetual", "underlying": "SOL", "quantity": 20, "settlement": "linear",
                        "entryPrice": 149, "desk": "delta one"}]}
        """#
    static let solOption = #"""
        {"account": "sol", "balances": {"USDC": 10000},
         "positions": [{"kind": "option", "underlying": "SOL", "expiry": "2026-03-27T08:00:00Z", "strike": 160,
                        "right": "call", "quantity": 5, "settlement": "linear"}]}
        """#

    @Test("an underlying without options may give \"volSurface\": [] or omit it: its futures and perpetuals margin as usual",
          arguments: ["[]", nil] as [String?])
    func emptySurfaceIsNoSurface(_ surface: String?) throws {
        try Self.withFiles(["m.json": Self.market(sol: surface), "p.json": Self.solPerpetual]) { dir in
            let r = try C.run(["compute", "--market", dir.appendingPathComponent("m.json").path,
                               "--portfolio", dir.appendingPathComponent("p.json").path, "--format", "json"])
            #expect(r.status == 0, "\(r.err)")
            let json = try JSONNode.parse(r.out)
            #expect(try json.required("maintenanceMargin").double() > 0)
        }
    }

    @Test("an option on an underlying without a surface is an error naming the missing surface, exit status 2 (compute and price)",
          arguments: ["[]", nil] as [String?])
    func optionWithoutSurface(_ surface: String?) throws {
        try Self.withFiles(["m.json": Self.market(sol: surface), "p.json": Self.solOption]) { dir in
            let m = dir.appendingPathComponent("m.json").path
            let compute = try C.run(["compute", "--market", m, "--portfolio", dir.appendingPathComponent("p.json").path])
            #expect(compute.status == 2)
            #expect(compute.err.contains("$.positions[0].underlying") && compute.err.contains("SOL has no vol surface"),
                    "\(compute.err)")
            let price = try C.run(["price", "--market", m, "--underlying", "SOL", "--expiry", "2026-03-27T08:00:00Z",
                                   "--strike", "160", "--right", "call"])
            #expect(price.status == 2)
            #expect(price.err.contains("--market") && price.err.contains("SOL has no vol surface"), "\(price.err)")
            // With a vol given there is nothing to read from the surface: the option prices.
            let given = try C.run(["price", "--market", m, "--underlying", "SOL", "--expiry", "2026-03-27T08:00:00Z",
                                   "--strike", "160", "--right", "call", "--vol", "0.8"])
            #expect(given.status == 0, "\(given.err)")
        }
    }

    @Test("a parameter file with an unknown key is an error naming the key and its JSON path, exit status 2")
    func unknownParameterKey() throws {
        let files = [
            "typo.json": #"{"name": "wide", "priceRang": 0.2}"#,
            "nested.json": #"{"liquidationCost": {"futuresRat": 0.001}}"#,
            "deribit.json": #"{"preset": "deribit", "pairs": {"BTC": {"priceRange": 0.16, "bucketCount": 4}}}"#,
            "ok.json": #"{"name": "wide", "priceRange": 0.2}"#,
        ]
        try Self.withFiles(files) { dir in
            let base = ["compute", "--market", "\(C.examples)/market.json", "--portfolio", "\(C.examples)/covered-call.json"]
            for (file, path) in [("typo.json", "$.priceRang"), ("nested.json", "$.liquidationCost.futuresRat"),
                                 ("deribit.json", "$.pairs.BTC.bucketCount")] {
                let r = try C.run(base + ["--params", dir.appendingPathComponent(file).path])
                #expect(r.status == 2, "\(file)")
                #expect(r.err.contains("\(path): unknown key"), "\(file): \(r.err)")
            }
            let typo = try C.run(base + ["--params", dir.appendingPathComponent("typo.json").path])
            #expect(typo.err.contains("did you mean \"priceRange\"?"), "\(typo.err)")
            // compare --venues reads the same file for every preset: the same error.
            let venues = try C.run(["compare", "--market", "\(C.examples)/market.json", "--portfolio",
                                    "\(C.examples)/covered-call.json", "--venues",
                                    "--params", dir.appendingPathComponent("deribit.json").path])
            #expect(venues.status == 2 && venues.err.contains("$.pairs.BTC.bucketCount"), "\(venues.err)")
            let ok = try C.run(base + ["--params", dir.appendingPathComponent("ok.json").path])
            #expect(ok.status == 0, "\(ok.err)")
            // The reference parameter file of the specification is accepted as it is.
            let reference = try C.run(base + ["--params", "\(C.sharedExamples)/params-reference.json"])
            #expect(reference.status == 0, "\(reference.err)")
        }
    }
}
