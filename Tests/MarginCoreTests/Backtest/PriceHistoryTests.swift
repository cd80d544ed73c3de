import MarginCore
import Testing

/// History files: both layouts, and every bad file gives an error naming its line.
@Suite struct PriceHistoryTests {
    private func path(_ csv: String, underlying: String? = nil) -> String? {
        do throws(InputError) {
            _ = try PriceHistory(csv: csv, underlying: underlying)
            return nil
        } catch {
            return error.path
        }
    }

    @Test func readsColumnsWithVols() throws {
        let csv = "date,BTC,ETH,BTC.vol\r\n2020-01-01,7200,130,0.6\n\n2020-01-02, 6985.5 ,127,0.65\n"
        let h = try PriceHistory(csv: csv)
        #expect(h.names == ["BTC", "ETH"])
        #expect(h.dates == [Instant(iso8601: "2020-01-01")!, Instant(iso8601: "2020-01-02")!])
        #expect(h.closes == [[7200, 6985.5], [130, 127]])
        #expect(h.impliedVols[0] == [0.6, 0.65] && h.impliedVols[1] == nil)
        #expect(h.isDateOnly && h.lines == [2, 4])
        #expect(h.label(1) == "2020-01-02")
        #expect(h.row(1, daysAfter: 0) == 1 && h.row(2, daysAfter: 0) == nil)
    }

    @Test func readsAYahooFileAsOneUnderlying() throws {
        let csv = "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-01,7194.9,7254.3,7174.9,7200.17,7200.17,1\n"
            + "2020-01-02,7202.5,7212.1,6935.2,6985.47,6985.47,2\n"
        let h = try PriceHistory(csv: csv, underlying: "BTC")
        #expect(h.names == ["BTC"] && h.closes == [[7200.17, 6985.47]])
        #expect(path(csv) == "--underlying")
        #expect(path("date,BTC\n2020-01-01,1\n2020-01-02,2\n", underlying: "BTC") == "--underlying")
    }

    /// Date-times are allowed (no calendar-gap rule), increasing.
    @Test func readsDateTimes() throws {
        let h = try PriceHistory(csv: "date,BTC\n2020-01-01T08:00:00Z,1\n2020-01-03T08:00:00Z,2\n")
        #expect(!h.isDateOnly && h.label(0) == "2020-01-01T08:00:00Z")
    }

    @Test func aGapNamesItsLine() {
        #expect(path("date,BTC\n2020-01-01,1\n2020-01-02,2\n2020-01-04,3\n") == "line 4, column 1")
    }

    @Test func aNegativeOrZeroPriceNamesItsLineAndColumn() {
        #expect(path("date,BTC,ETH\n2020-01-01,1,1\n2020-01-02,2,-3\n") == "line 3, column 3")
        #expect(path("date,BTC\n2020-01-01,0\n2020-01-02,2\n") == "line 2, column 2")
        #expect(path("date,BTC\n2020-01-01,1\n2020-01-02,abc\n") == "line 3, column 2")
    }

    @Test func aDuplicateOrUnsortedDateNamesItsLine() {
        #expect(path("date,BTC\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n") == "line 4, column 1")
        #expect(path("date,BTC\n2020-01-02,1\n2020-01-01,2\n") == "line 3, column 1")
        do {
            _ = try PriceHistory(csv: "date,BTC\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n")
            Issue.record("a duplicate date was accepted")
        } catch {
            #expect("\(error)".contains("duplicate date 2020-01-02"))
        }
    }

    @Test func otherBadFiles() {
        #expect(path("") == "line 1")
        #expect(path("time,BTC\n") == "line 1, column 1")
        #expect(path("date,BTC,BTC\n") == "line 1, column 3")
        #expect(path("date,BTC,ETH.vol\n") == "line 1, column 3")
        #expect(path("date,BTC\n2020-01-01,1,2\n") == "line 2")
        #expect(path("date,BTC\n2020-13-01,1\n") == "line 2, column 1")
        #expect(path("date,BTC,BTC.vol\n2020-01-01,1,0\n2020-01-02,1,0.5\n") == "line 2, column 3")
        #expect(path("date,BTC\n2020-01-01,1\n2020-01-02T00:00:00Z,1\n") == "line 3, column 1")
        #expect(path("date,BTC\n2020-01-01,1\n") == "line 2")
    }
}
