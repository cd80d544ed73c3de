import Foundation
import MarginCore
import Testing

/// `margin simulate`: the JSON summary of the issue, the journal it keeps, and usage errors with exit status 2.
@Suite struct SimulateCommandTests {
    @Test func jsonSummaryHasTheIssuesFields() throws {
        let r = try MarginCommandTests.run(["simulate", "--scenario", "march-2020", "--accounts", "40",
                                            "--insurance-fund", "0", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try JSONNode.parse(r.out)
        #expect(try json.required("marginCalls").integer() > 0)
        for key in ["partialLiquidations", "takeovers", "adlEvents"] { #expect(try json.required(key).integer() >= 0) }
        let fund = try json.required("insuranceFund")
        #expect(try fund.required("start").double() == 0)
        #expect(try fund.required("min").double() <= 0)
        _ = try fund.required("end").double()
        #expect(try json.required("socializedLoss").double() >= 0)
        #expect(try json.required("legacy").array().count == 3)
        #expect(try json.required("invariants").required("ok").bool())
    }

    @Test func theJournalIsKeptAndReplaysToTheSameDigest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("crash.sqlite").path
        let r = try MarginCommandTests.run(["simulate", "--scenario", "squeeze-25", "--accounts", "30", "--db", db,
                                            "--format", "json", "--out", dir.appendingPathComponent("r.html").path])
        #expect(r.status == 0, "\(r.err)")
        let digest = try JSONNode.parse(r.out).required("marginDigest").string()
        let replay = try MarginCommandTests.run(["engine", "replay", "--db", db])
        #expect(replay.status == 0, "\(replay.err)")
        #expect(replay.out.contains(digest), "\(replay.out)")
        let html = try String(contentsOfFile: dir.appendingPathComponent("r.html").path, encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script src"))
        // A second replay onto the same journal is refused: a replay writes a new journal.
        let again = try MarginCommandTests.run(["simulate", "--scenario", "squeeze-25", "--accounts", "30", "--db", db])
        #expect(again.status != 0)
        #expect(again.err.contains("--db"))
    }

    @Test func usageErrorsExitWithStatus2() throws {
        let unknown = try MarginCommandTests.run(["simulate", "--scenario", "black-monday"])
        #expect(unknown.status == 2)
        #expect(unknown.err.contains("march-2020"))
        let both = try MarginCommandTests.run(["simulate"])
        #expect(both.status == 2)
        let fund = try MarginCommandTests.run(["simulate", "--scenario", "march-2020", "--insurance-fund", "-1"])
        #expect(fund.status == 2)
        #expect(fund.err.contains("--insurance-fund"))
    }
}
