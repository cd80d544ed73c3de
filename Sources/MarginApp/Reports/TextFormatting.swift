import Foundation
import MarginCore

/// Output format of a command: an aligned text table or JSON.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table
    case json
}

/// Formats a number with `digits` decimals and thousands separators, e.g. `1,234,567.89`.
public func formatNumber(_ value: Double, digits: Int = 2) -> String {
    guard value.isFinite else { return "\(value)" }
    let text = String(format: "%.\(digits)f", value)
    let negative = text.hasPrefix("-")
    let body = negative ? String(text.dropFirst()) : text
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    var integer = String(parts[0])
    var grouped = ""
    while integer.count > 3 {
        grouped = "," + integer.suffix(3) + grouped
        integer = String(integer.dropLast(3))
    }
    grouped = integer + grouped
    let result = parts.count > 1 ? grouped + "." + parts[1] : grouped
    return negative && value != 0 ? "-" + result : result
}

/// Left-aligned first column, right-aligned others.
public func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let columns = all.map(\.count).max() ?? 0
    var widths = Array(repeating: 0, count: columns)
    for row in all {
        for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ row: [String]) -> String {
        row.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return i == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
}
