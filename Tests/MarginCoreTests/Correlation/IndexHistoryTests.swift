import MarginCore
import Testing

@Suite struct IndexHistoryTests {
    /// CRLF and LF lines, blank lines, spaces around fields, empty fields for "no update", fractional seconds.
    @Test func parsesAValidHistory() throws {
        let csv = "time, BTC ,ETH\r\n2026-01-05T00:00:00Z,90000,3100\r\n\n2026-01-05T00:00:30.5Z,,3101.5\n"
            + "2026-01-05T00:01:10Z,90100,\n"
        let h = try IndexHistory(csv: csv)
        #expect(h.names == ["BTC", "ETH"])
        #expect(h.rows.count == 3)
        #expect(h.rows[1].time == Instant(iso8601: "2026-01-05T00:00:30.5Z"))
        #expect(h.rows[1].indices == [nil, 3101.5])
        #expect(h.rows[2].indices == [90100, nil])
        // It feeds the estimator, matched by name (the estimator may list more, in another order).
        var e = try RealizedCorrelationEstimator(names: ["ETH", "BTC", "SOL"],
                                                 configuration: .init(samplingIntervalSeconds: 60, warmUpSamples: 2))
        try e.observe(h)
        #expect(e.lastUpdate == Instant(iso8601: "2026-01-05T00:01:10.000000001Z"))
        var other = try RealizedCorrelationEstimator(names: ["BTC"])
        #expect(throws: InputError.unknownUnderlying(path: "line 1, column 3", name: "ETH")) { try other.observe(h) }
    }

    /// Every error names its line and column (1-based; the time is column 1).
    @Test func errorsNameLineAndColumn() {
        func path(_ csv: String) -> String? {
            do throws(InputError) {
                _ = try IndexHistory(csv: csv)
                return nil
            } catch {
                return error.path
            }
        }
        let ok = "time,BTC,ETH\n2026-01-05T00:00:00Z,90000,3100\n"
        #expect(path(ok) == nil)
        #expect(path("") == "line 1, column 1")
        #expect(path("date,BTC\n") == "line 1, column 1")
        #expect(path("time\n") == "line 1, column 2")
        #expect(path("time,BTC,BTC\n") == "line 1, column 3")
        #expect(path("time,BTC,,ETH\n") == "line 1, column 3")
        #expect(path(ok + "2026-01-05T00:01:00Z,90000\n") == "line 3, column 3")
        #expect(path(ok + "2026-01-05T00:01:00Z,90000,3100,7\n") == "line 3, column 4")
        #expect(path(ok + "yesterday,90000,3100\n") == "line 3, column 1")
        #expect(path(ok + "2026-01-05T00:00:00Z,90000,3100\n") == "line 3, column 1")  // not after the previous
        #expect(path(ok + "\n2026-01-05T00:01:00Z,90000,abc\n") == "line 4, column 3")
        #expect(path(ok + "2026-01-05T00:01:00Z,0,3100\n") == "line 3, column 2")
        #expect(path(ok + "2026-01-05T00:01:00Z,-5,3100\n") == "line 3, column 2")
        #expect(path(ok + "2026-01-05T00:01:00Z,inf,3100\n") == "line 3, column 2")
        #expect(path(ok + "2026-01-05T00:01:00Z,nan,3100\n") == "line 3, column 2")
    }
}
