import MarginCore
import PropertyBased
import Testing

@Suite struct InstantTests {
    private static let nanosPerSecond: Int64 = 1_000_000_000

    private func seconds(_ text: String) -> Int64? {
        Instant(iso8601: text).map { $0.nanosecondsSinceEpoch / Self.nanosPerSecond }
    }

    // MARK: - Parsing

    @Test func parsesUTCWithZ() {
        #expect(seconds("1970-01-01T00:00:00Z") == 0)
        #expect(seconds("1970-01-02T00:00:01Z") == 86_401)
        // 2026-01-09 is day 20 462 since the epoch (56 years, 14 of them leap: 56·365 + 14 + 8 = 20 462).
        #expect(seconds("2026-01-09T08:00:00Z") == Int64(20_462 * 86_400 + 8 * 3600))
        #expect(seconds("2026-01-09t08:00:00z") == seconds("2026-01-09T08:00:00Z"))
        #expect(seconds("1969-12-31T23:59:59Z") == -1)
    }

    @Test func parsesOffsets() {
        let utc = Instant(iso8601: "2026-03-27T08:00:00Z")
        // 09:30 at +01:30 is 08:00 UTC; 03:00 at −05:00 is 08:00 UTC.
        #expect(Instant(iso8601: "2026-03-27T09:30:00+01:30") == utc)
        #expect(Instant(iso8601: "2026-03-27T03:00:00-05:00") == utc)
        #expect(Instant(iso8601: "2026-03-27T08:00:00+00:00") == utc)
        #expect(Instant(iso8601: "2026-03-27T08:00:00-00:00") == utc)
        // An offset can move the instant across a day boundary.
        #expect(Instant(iso8601: "2026-03-28T00:30:00+02:00")?.iso8601 == "2026-03-27T22:30:00Z")
    }

    @Test func parsesFractions() {
        let base = Instant(iso8601: "2026-01-09T08:00:00Z")!.nanosecondsSinceEpoch
        #expect(Instant(iso8601: "2026-01-09T08:00:00.5Z")!.nanosecondsSinceEpoch - base == 500_000_000)
        #expect(Instant(iso8601: "2026-01-09T08:00:00.123Z")!.nanosecondsSinceEpoch - base == 123_000_000)
        #expect(Instant(iso8601: "2026-01-09T08:00:00.000000001Z")!.nanosecondsSinceEpoch - base == 1)
        #expect(Instant(iso8601: "2026-01-09T08:00:00.987654321+00:00")!.nanosecondsSinceEpoch - base == 987_654_321)
        // Digits past the nanosecond are truncated, not rejected.
        #expect(Instant(iso8601: "2026-01-09T08:00:00.1234567891Z")!.nanosecondsSinceEpoch - base == 123_456_789)
        #expect(Instant(iso8601: "2026-01-09T08:00:00.999999999999Z")!.nanosecondsSinceEpoch - base == 999_999_999)
        #expect(Instant(iso8601: "2026-01-09T08:00:00.Z") == nil)
    }

    @Test func parsesBareDatesAsMidnightUTC() {
        #expect(Instant(iso8601: "2026-03-27") == Instant(iso8601: "2026-03-27T00:00:00Z"))
        #expect(Instant(iso8601: "2024-02-29") != nil)  // leap year
        #expect(Instant(iso8601: "2000-02-29") != nil)  // divisible by 400
        #expect(seconds("1970-01-01") == 0)
    }

    @Test(arguments: [
        "2026-02-30", "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
        "2026-01-32", "2026-01-09T24:00:00Z", "2026-01-09T23:60:00Z", "2026-01-09T23:59:60Z",
        "2026-01-09T08:00:00", "2026-01-09T08:00Z", "2026-01-09T8:00:00Z", "2026-01-09 08:00:00Z",
        "2026-01-09T08:00:00+0100", "2026-01-09T08:00:00+24:00", "2026-01-09T08:00:00+01:60",
        "2026-01-09T08:00:00ZZ", "2026-01-09T", "2026-1-09", "26-01-09", "+2026-01-09", "20260109",
        "", "garbage", "2026-01-09Tgarbage", "2026-01-09T08:00:00Z ", " 2026-01-09", "１９７０-01-01",
        "1677-01-01", "2262-06-01", "9999-12-31T23:59:59Z", "0000-01-01",
    ])
    func rejectsImpossibleOrMalformed(_ text: String) {
        #expect(Instant(iso8601: text) == nil, "\(text) should be rejected")
    }

    // MARK: - Printing

    @Test func printsCanonicalForm() {
        #expect(Instant(secondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00Z")
        #expect(Instant(nanosecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999999999Z")
        #expect(Instant(nanosecondsSinceEpoch: 1_500_000_000).iso8601 == "1970-01-01T00:00:01.5Z")
        #expect(Instant(iso8601: "2026-03-27T09:30:00.250+01:30")?.iso8601 == "2026-03-27T08:00:00.25Z")
        #expect(Instant(iso8601: "2024-02-29")?.description == "2024-02-29T00:00:00Z")
    }

    @Test func roundTripsCanonicalText() {
        for text in ["2026-01-09T08:00:00Z", "1678-01-01T00:00:00Z", "2261-12-31T23:59:59.999999999Z",
                     "2000-02-29T12:34:56.000001Z", "1969-07-20T20:17:40Z"] {
            #expect(Instant(iso8601: text)?.iso8601 == text)
        }
    }

    /// Any instant in the supported range prints to text that parses back to the same instant.
    @Test func roundTripProperty() async {
        // 1678-01-01 … 2261-12-31 in seconds, plus a nanosecond part.
        let lo: Int64 = -9_214_560_000
        let hi: Int64 = 9_214_646_399
        await propertyCheck(count: 300, input: Gen.int64(in: lo...hi), Gen.int64(in: 0...999_999_999)) { s, ns in
            let t = Instant(nanosecondsSinceEpoch: s * 1_000_000_000 + ns)
            #expect(Instant(iso8601: t.iso8601) == t)
        }
    }

    @Test func civilDateRoundTripProperty() async {
        // Every valid calendar date/time parses, and prints back to itself.
        await propertyCheck(count: 300, input: Gen.int(in: 1678...2261), Gen.int(in: 1...12), Gen.int(in: 1...31),
                            Gen.int(in: 0...86_399)) { y, m, d, sod in
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            func pad(_ v: Int, _ n: Int) -> String {
                String(repeating: "0", count: max(0, n - String(v).count)) + String(v)
            }
            let text = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(sod / 3600, 2)):\(pad(sod % 3600 / 60, 2)):"
                + "\(pad(sod % 60, 2))Z"
            let parsed = Instant(iso8601: text)
            if d <= days {
                #expect(parsed?.iso8601 == text)
            } else {
                #expect(parsed == nil)
            }
        }
    }

    // MARK: - Year fractions

    @Test func yearFractionIsSecondsOver365Days() throws {
        let t0 = try #require(Instant(iso8601: "2026-01-09T08:00:00Z"))
        // 21 days to the January expiry: 21 / 365.
        #expect(t0.years(until: try #require(Instant(iso8601: "2026-01-30T08:00:00Z"))) == 21.0 / 365)
        // To 2026-03-27: 22 days left in January + 28 in February + 27 in March = 77 days.
        #expect(abs(t0.years(until: try #require(Instant(iso8601: "2026-03-27T08:00:00Z"))) - 77.0 / 365) < 1e-15)
        // A leap year is 366/365 model years.
        let a = try #require(Instant(iso8601: "2024-01-01"))
        let b = try #require(Instant(iso8601: "2025-01-01"))
        #expect(abs(a.years(until: b) - 366.0 / 365) < 1e-15)
        // One day, one second, one hour and the sign.
        #expect(t0.years(until: t0.adding(seconds: 86_400)) == 1.0 / 365)
        #expect(t0.years(until: t0.adding(seconds: 1)) == 1.0 / (365 * 86_400))
        #expect(t0.adding(seconds: 3600).years(until: t0) == -3600.0 / (365 * 86_400))
        #expect(t0.years(until: t0) == 0)
        #expect(Instant.secondsPerYear == 31_536_000)
    }

    @Test func ordering() throws {
        let a = try #require(Instant(iso8601: "2026-01-30T08:00:00Z"))
        let b = try #require(Instant(iso8601: "2026-01-30T08:00:00.000000001Z"))
        #expect(a < b)
        #expect(a.adding(seconds: 60) == Instant(iso8601: "2026-01-30T08:01:00Z"))
    }
}
