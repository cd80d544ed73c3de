import Foundation
import MarginCore
import Testing

/// `margin correlation`: the JSON contract, the realized estimate from a history, errors with status 2.
@Suite struct CorrelationCommandTests {
    @Test func jsonListsImpliedPairsWithTheirVols() throws {
        let r = try MarginCommandTests.run(["correlation", "--market", "examples/market.json", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let pairs = try JSONNode.parse(r.out).required("pairs").array()
        #expect(pairs.count == 2)
        for p in pairs {
            #expect(try p.required("pair").array().map { try $0.string() } == ["BTC", "ETH"])
            // examples/generate.py sets the cross vol so that ρ = 0.80 (to the 6 decimals of the file's vols).
            #expect(abs(try p.required("implied").double() - 0.80) < 1e-5)
            let vols = try p.required("vols")
            for name in ["BTC", "ETH", "ETH/BTC"] { #expect(try vols.required(name).double() > 0) }
        }
    }

    /// examples/index-history.csv is a GBM with ρ = 0.70 (examples/generate.py): the estimate is within sampling
    /// error (n_eff ≈ 576 five-minute samples at a 48 h half-life: σ(ρ̂) ≈ (1 − ρ²)/√n ≈ 0.02).
    @Test func aHistoryGivesTheRealizedEstimate() throws {
        let r = try MarginCommandTests.run(["correlation", "--market", "examples/market.json", "--history",
                                            "examples/index-history.csv", "--half-life", "48", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let realized = try JSONNode.parse(r.out).required("realized")
        let rho = try realized.required("pairs").array()[0].required("rho").double()
        #expect(abs(rho - 0.70) < 0.06)
    }

    @Test func aBadHistoryNamesTheFileLineAndColumn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("h.csv")
        try "time,BTC\n2026-01-01T00:00:00Z,-5\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try MarginCommandTests.run(["correlation", "--market", "examples/market.json", "--history", file.path])
        #expect(r.status == 2)
        #expect(r.err.contains("--history \(file.path)"))
        #expect(r.err.contains("line 2"))
    }
}
