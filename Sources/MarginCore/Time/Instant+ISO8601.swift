extension Instant {
    /// Parses an ISO-8601 UTC instant: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or a bare date
    /// `YYYY-MM-DD` (midnight UTC). Returns `nil` for anything else, including impossible dates.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= bytes.count else { return nil }
            var v = 0
            for _ in 0..<n {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2),
            expect(UInt8(ascii: "-")), let day = digits(2)
        else { return nil }
        guard (1..<13).contains(month), day >= 1, day <= Instant.daysIn(month: month, year: year),
            (1678...2261).contains(year)
        else { return nil }
        var seconds = Instant.daysFromCivil(year: year, month: month, day: day) * 86_400
        var nanos = 0
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: "t") else { return nil }
            i += 1
            guard let hh = digits(2), expect(UInt8(ascii: ":")), let mm = digits(2), expect(UInt8(ascii: ":")),
                let ss = digits(2), hh < 24, mm < 60, ss < 60
            else { return nil }
            seconds += hh * 3600 + mm * 60 + ss
            if expect(UInt8(ascii: ".")) {
                var count = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    if count < 9 { nanos = nanos * 10 + Int(bytes[i] - 48) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in min(count, 9)..<9 { nanos *= 10 }
            }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "Z") || bytes[i] == UInt8(ascii: "z") {
                i += 1
            } else if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                let sign = bytes[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh < 24, om < 60 else {
                    return nil
                }
                seconds -= sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == bytes.count else { return nil }
        self.init(nanosecondsSinceEpoch: Int64(seconds) * 1_000_000_000 + Int64(nanos))
    }

    /// Whether ``iso8601`` reads back (``init(iso8601:)``) to this instant: years 1678 to 2261. Instants outside
    /// (the extreme ends of the nanosecond range) are refused wherever one is journaled or written.
    public var isISO8601Representable: Bool {
        let first = Int64(Instant.daysFromCivil(year: 1678, month: 1, day: 1)) * 86_400 * 1_000_000_000
        let last = Int64(Instant.daysFromCivil(year: 2262, month: 1, day: 1)) * 86_400 * 1_000_000_000 - 1
        return nanosecondsSinceEpoch >= first && nanosecondsSinceEpoch <= last
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, with a fraction only when the instant has one.
    public var iso8601: String {
        let ns = nanosecondsSinceEpoch
        var secs = ns / 1_000_000_000
        var frac = ns % 1_000_000_000
        if frac < 0 {
            frac += 1_000_000_000
            secs -= 1
        }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = Instant.civil(fromDays: Int(days))
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(rem / 3600), 2)):"
        out += "\(pad(Int(rem % 3600 / 60), 2)):\(pad(Int(rem % 60), 2))"
        if frac != 0 {
            var f = pad(Int(frac), 9)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out + "Z"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `daysFromCivil` (H. Hinnant's `civil_from_days`).
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
