/// The CSV dialect of the project's history files (``IndexHistory``, ``PriceHistory``): fields separated by commas
/// and trimmed of spaces and tabs, lines ending with LF or CRLF, blank lines skipped, no quoting. The one reader of
/// that dialect; each format checks its own header and fields, naming `line L, column C`.
enum CSVRecords {
    /// The non-blank lines of `text`, each with its 1-based line number and its trimmed fields.
    static func records(_ text: String) -> [(line: Int, fields: [String])] {
        var out: [(line: Int, fields: [String])] = []
        var lineNumber = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = rawLine[...]
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let fields = bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
                trimmed(String(decoding: $0, as: UTF8.self))
            }
            if fields.count == 1 && fields[0].isEmpty { continue }
            out.append((lineNumber, fields))
        }
        return out
    }

    /// `s` without leading and trailing spaces and tabs.
    static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let c = sub.first, c == " " || c == "\t" { sub = sub.dropFirst() }
        while let c = sub.last, c == " " || c == "\t" { sub = sub.dropLast() }
        return String(sub)
    }
}
