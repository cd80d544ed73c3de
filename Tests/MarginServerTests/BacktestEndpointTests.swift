import Foundation
import HTTPTypes
import MarginApp
import MarginCore
import Testing

/// `POST /v1/backtest` answers with the same report as `margin backtest` (one use-case, ``MarginBacktest``), and
/// refuses a bad history naming the line under `$.history`.
@Suite struct BacktestEndpointTests {
    /// 45 daily closes of BTC: a slow drift, then a −20% day (an exception for a leveraged long), then a recovery.
    static let csv: String = {
        var lines = ["date,BTC"]
        var price = 50_000.0
        let start = Instant(secondsSinceEpoch: 1_577_836_800)  // 2020-01-01
        for day in 0..<45 {
            price *= day == 38 ? 0.8 : (day % 2 == 0 ? 1.01 : 0.995)
            let date = String(start.adding(seconds: Int64(day) * 86_400).iso8601.prefix(10))
            lines.append("\(date),\(String(format: "%.2f", price))")
        }
        return lines.joined(separator: "\n")
    }()

    static let book = #"{"account":"perp","balances":{"USDC":25000},"positions":[{"kind":"perpetual","underlying":"BTC","quantity":5,"settlement":"linear"}]}"#

    /// The request body: the CSV as a JSON string (it holds digits, dates, commas and newlines only).
    static func body(_ csv: String) -> String {
        let history = csv.replacingOccurrences(of: "\n", with: "\\n")
        return #"{"history":"\#(history)","book":\#(book),"models":["portfolio","fixedPercentage"]}"#
    }

    @Test func theServiceAnswersTheUseCasesReport() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let reply = try await c.call(.post, "/v1/backtest", body: Self.body(Self.csv))
            #expect(reply.status == .ok, "\(reply.text)")
            let root = try JSONNode.parse(Self.body(Self.csv))
            let expected = try MarginBacktest(request: root).run().json.serialized(pretty: false)
            #expect(try JSONNode.parse(reply.text).value == JSONNode.parse(expected).value)
            let models = try #require(reply.json?["models"] as? [String: Any])
            let portfolio = try #require(models["portfolio"] as? [String: Any])
            #expect(portfolio["observations"] as? Double == 14)
            #expect((portfolio["exceptions"] as? Double ?? 0) >= 1, "the −20% day is an exception for 5× long BTC")
        }
    }

    /// Schemathesis found it: a coverage of 5e-324 passed `(0, 1)`, made `p = 1 − C` exactly 1 and trapped in the
    /// binomial CDF. Coverage is in [0.5, 0.999999] now, refused otherwise naming the field.
    @Test(arguments: ["5e-324", "0.4", "1", "0.9999999"])
    func aCoverageOutsideItsDomainIsRefusedNamingTheField(coverage: String) async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let body = Self.body(Self.csv).replacingOccurrences(of: #""models":"#, with: #""coverage":\#(coverage),"models":"#)
            let reply = try await c.call(.post, "/v1/backtest", body: body)
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.text.contains("$.coverage"), "\(reply.text)")
            #expect(try await c.call(.get, "/healthz", key: nil).status == .ok, "the server is still up")
        }
    }

    @Test func aBadHistoryIsRefusedNamingItsLine() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let broken = Self.csv.replacingOccurrences(of: ",5", with: ",-5")
            let reply = try await c.call(.post, "/v1/backtest", body: Self.body(broken))
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.text.contains("$.history") && reply.text.contains("line 2"), "\(reply.text)")
        }
    }
}
