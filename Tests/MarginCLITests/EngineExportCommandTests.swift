import Foundation
import MarginCore
import Testing

/// `margin engine export --db PATH`: the state at the journal's end as JSON; a missing journal is an error.
@Suite struct EngineExportCommandTests {
    @Test("engine export prints every account (system accounts too), the market and the totals of a journal engine run wrote")
    func exportAfterARun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("engine.sqlite").path
        let run = try MarginCommandTests.run(["engine", "run", "--db", db, "--accounts", "20", "--positions", "3",
                                              "--options", "10", "--seconds", "0.5", "--rate", "20", "--trades", "5",
                                              "--snapshot-every", "0"])
        #expect(run.status == 0, "\(run.err)")
        let r = try MarginCommandTests.run(["engine", "export", "--db", db])
        #expect(r.status == 0, "\(r.err)")
        let root = try JSONNode.parse(r.out)
        let names = try root.required("accounts").array().map { try $0.required("account").string() }
        #expect(names.filter { $0.hasPrefix("acct-") }.count == 20)
        for name in ["insurance-fund", "fees", "lp-0", "backstop-0"] { #expect(names.contains(name), "\(name)") }
        _ = try MarketSnapshot(json: try root.required("market"))
        #expect(try root.required("totals").required("deposits").required("USD").numberLiteral().isEmpty == false)
        #expect(try root.required("sequence").integer() > 0)
    }

    @Test("engine export of a journal that does not exist fails with status 1 and creates nothing")
    func missingJournal() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("none-\(UUID().uuidString).sqlite").path
        let r = try MarginCommandTests.run(["engine", "export", "--db", path])
        #expect(r.status == 1)
        #expect(r.err.contains("no such journal"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
