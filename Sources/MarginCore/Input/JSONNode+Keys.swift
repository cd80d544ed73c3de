extension JSONNode {
    /// Throws for the first key of this object that is not in `known`, naming its JSON path, with the closest
    /// known key when one is a likely misspelling (`$.priceRang: unknown key "priceRang"; did you mean
    /// "priceRange"?`). Parameter files are strict this way; market and portfolio files are not.
    ///
    /// - Throws: ``InputError/wrongType(path:expected:found:)`` when the node is not an object.
    public func rejectUnknownKeys(_ known: [String]) throws(InputError) {
        for (key, _) in try object() where !known.contains(key) {
            let close = known.map { ($0, Self.editDistance($0, key)) }.filter { $0.1 <= 2 }
                .min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            let hint = close.map { "; did you mean \"\($0.0)\"?" }
                ?? " (known keys: \(known.sorted().joined(separator: ", ")))"
            throw InputError.invalid(path: "\(path).\(key)", reason: "unknown key \"\(key)\"\(hint)")
        }
    }

    /// Levenshtein distance over Unicode scalars (keys are short).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in 1...y.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[y.count]
    }
}
