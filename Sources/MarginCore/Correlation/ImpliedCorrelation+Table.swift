extension ImpliedCorrelation {
    /// A plain-text table, one line per pair and expiry: the pair, the cross, the expiry, the implied ρ (4 decimals)
    /// and the three ATM vols (4 decimals), columns aligned; `"no cross rates"` when there are none.
    public func table() -> String {
        guard !pairs.isEmpty else { return "no cross rates\n" }
        let header = ["pair", "cross", "expiry", "implied", "vol 1", "vol 2", "vol cross"]
        let rows = pairs.map { p in
            ["\(p.first)-\(p.second)", p.cross, p.expiry.iso8601, ImpliedCorrelation.fixed(p.implied, 4),
             "\(p.first) \(ImpliedCorrelation.fixed(p.firstVol, 4))",
             "\(p.second) \(ImpliedCorrelation.fixed(p.secondVol, 4))", ImpliedCorrelation.fixed(p.crossVol, 4)]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 3 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var text = line(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { text += line(row) + "\n" }
        return text
    }

    /// `value` with `digits` decimals (round half away from zero), no grouping; non-finite values as Swift prints them.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        guard value.isFinite, abs(value) * scale < 9e15 else { return "\(value)" }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale)
        var fraction = String(scaled % Int64(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return digits > 0 ? "\(sign)\(whole).\(fraction)" : "\(sign)\(whole)"
    }
}
