import Foundation
import MarginCore
import Testing

/// `margin backtest` on the real BTC history: the issue's JSON contract, the table, the HTML report, errors.
@Suite struct BacktestCommandTests {
    static let history = "../shared/data/btc-usd-daily-2020-2021.csv"

    /// 666 dates → 635 observations at H = 1; every model's block carries the issue's fields.
    @Test func jsonHasEveryModelWithTheIssuesFields() throws {
        let r = try MarginCommandTests.run(["backtest", "--history", Self.history, "--underlying", "BTC", "--carry-forward", "--book",
                                            "examples/backtest/leveraged-perpetual.json", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.isEmpty)
        let models = try JSONNode.parse(r.out).required("models")
        #expect(try models.object().map(\.key) == ["portfolio", "fixedPercentage", "standardCross", "deribit", "span",
                                                   "okx"])
        for (_, m) in try models.object() {
            #expect(try m.required("observations").integer() == 635)
            for key in ["exceptions", "coverage", "kupiecLR", "kupiecPValue", "meanMargin", "meanMarginVsFixed"] {
                _ = try m.required(key).double()
            }
            _ = try m.required("kupiecAccepts").bool()
            #expect(["green", "yellow", "red"].contains(try m.required("zone").string()))
            #expect(try m.required("windows").array().count == 635 - 249)
            _ = try m.required("worstShortfall").required("date").string()
            _ = try m.required("worstShortfall").required("amount").double()
            _ = try m.required("exceptionDates").array()
        }
        // 12 March 2020 (−37%) breaks the fixed percentage on a 5-coin long perpetual: the margin of 11 March.
        let fixed = try models.required("fixedPercentage")
        #expect(try fixed.required("exceptionDates").array().map { try $0.string() }.contains("2020-03-11"))
    }

    @Test func tableAndHTMLReport() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bt-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try MarginCommandTests.run(["backtest", "--history", Self.history, "--underlying", "BTC", "--carry-forward", "--book",
                                            "examples/backtest/covered-call.json", "--models",
                                            "portfolio,fixedPercentage", "--out", out.path])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("Kupiec") && r.out.contains("portfolio") && r.out.contains("RiskMetrics proxy"))
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"))
    }

    @Test func badInputsExitTwoNamingTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("h.csv")
        try "date,BTC\n2020-01-01,1\n2020-01-03,2\n".write(to: file, atomically: true, encoding: .utf8)
        let book = "examples/backtest/leveraged-perpetual.json"
        let gap = try MarginCommandTests.run(["backtest", "--history", file.path, "--book", book])
        #expect(gap.status == 2)
        #expect(gap.err.contains("--history \(file.path): line 3, column 1: gap"))
        let yahoo = try MarginCommandTests.run(["backtest", "--history", Self.history, "--book", book,
                                                "--carry-forward"])
        #expect(yahoo.status == 2 && yahoo.err.contains("--underlying"))
        // The file's four rows of nulls (2020-04-17, 2020-10-09, -12, -13) are errors unless carried forward.
        let null = try MarginCommandTests.run(["backtest", "--history", Self.history, "--underlying", "BTC", "--book",
                                               book])
        #expect(null.status == 2 && null.err.contains("line 109, column 5"))
        let model = try MarginCommandTests.run(["backtest", "--history", Self.history, "--underlying", "BTC",
                                                "--carry-forward", "--book", book, "--models", "portfolio,cme"])
        #expect(model.status == 2 && model.err.contains("--models"))
    }
}
