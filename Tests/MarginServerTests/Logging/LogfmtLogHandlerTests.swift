import Foundation
import Logging
import MarginServer
import Testing

/// Finding 11 of issue 19: a header's text was logged as separate fields (`reason=ok status=200` forged inside a
/// key). Every value is quoted and escaped when it holds a space, `=`, a quote, a backslash or a control character.
@Suite("Log values cannot forge fields")
struct LogfmtLogHandlerTests {
    /// logfmt fields of one line (a minimal reader: bare values, or quoted with `\"` and `\\` escapes).
    static func fields(_ line: String) -> [String: String] {
        var out: [String: String] = [:]
        var i = line.startIndex
        while i < line.endIndex {
            while i < line.endIndex, line[i] == " " || line[i] == "\n" { i = line.index(after: i) }
            guard i < line.endIndex, let eq = line[i...].firstIndex(of: "=") else { break }
            let key = String(line[i..<eq])
            var j = line.index(after: eq)
            var value = ""
            if j < line.endIndex, line[j] == "\"" {
                j = line.index(after: j)
                while j < line.endIndex, line[j] != "\"" {
                    if line[j] == "\\" { j = line.index(after: j) }
                    value.append(line[j])
                    j = line.index(after: j)
                }
                j = line.index(after: j)
            } else {
                while j < line.endIndex, line[j] != " ", line[j] != "\n" { value.append(line[j]); j = line.index(after: j) }
            }
            out[key] = value
            i = j
        }
        return out
    }

    @Test("a forged Authorization value stays one quoted field; newlines cannot start a line")
    func forgedFieldsAreQuoted() throws {
        let log = CapturedLog()
        let logger = log.logger()
        let forged = "mk.abc reason=ok status=200 route=GET.x"
        logger.notice("request denied", metadata: ["key": "\(forged)", "reason": "unknown key", "status": "401",
                                                   "route": "GET /v1/accounts\nlevel=info msg=\"forged\""])
        let line = try #require(log.lines.first)
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false, "one line: \(line)")
        let f = Self.fields(line)
        #expect(f["key"] == forged)
        #expect(f["reason"] == "unknown key")
        #expect(f["status"] == "401")
        #expect(f["level"] == "notice")
        #expect(f["msg"] == "request denied")
        #expect(line.contains(#"key="mk.abc reason=ok status=200 route=GET.x""#), "\(line)")
    }

    @Test("quoting: bare when plain, escaped otherwise")
    func quoting() {
        #expect(LogfmtLogHandler.quote("abc-1.2") == "abc-1.2")
        #expect(LogfmtLogHandler.quote("") == "\"\"")
        #expect(LogfmtLogHandler.quote("a b") == "\"a b\"")
        #expect(LogfmtLogHandler.quote("a=b") == "\"a=b\"")
        #expect(LogfmtLogHandler.quote("say \"hi\"\\") == #""say \"hi\"\\""#)
        #expect(LogfmtLogHandler.quote("x\ny\r\t\u{1}") == #""x\ny\r\t\u{1}""#)
        #expect(LogfmtLogHandler.quote("rtl\u{202E}") == #""rtl\u{202e}""#)
    }
}
