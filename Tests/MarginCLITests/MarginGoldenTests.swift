import Foundation
import Testing

/// Every command on every example book (Golden/cases.txt) prints byte for byte what Golden/expected/ holds: the
/// outputs recorded from the CLI before the application-layer re-cut (`Golden/record.sh`), re-recorded only where
/// an issue changed behaviour on purpose (the pre-trade rule of `what-if`, pool-aware what-if under Deribit).
@Suite struct MarginGoldenTests {
    static let golden = MarginCommandTests.root.appendingPathComponent("Tests/MarginCLITests/Golden")

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var description: String { name }
    }

    static var cases: [Case] {
        let text = (try? String(contentsOf: golden.appendingPathComponent("cases.txt"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "|", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return Case(name: String(parts[0]), arguments: parts[1].split(separator: " ").map(String.init))
        }
    }

    @Test func everyCaseIsListed() {
        #expect(Self.cases.count >= 170)
    }

    @Test(arguments: cases)
    func outputIsByteIdentical(_ c: Case) throws {
        let expected = try String(contentsOf: Self.golden.appendingPathComponent("expected/\(c.name)"), encoding: .utf8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try MarginCommandTests.run(c.arguments.map { $0.replacingOccurrences(of: "@OUT", with: out) })
        // Compose the text as record.sh does: status, stdout without trailing newlines plus one, the file, stderr.
        var stdout = r.out
        while stdout.hasSuffix("\n") { stdout.removeLast() }
        var actual = "status \(r.status)\n" + stdout.replacingOccurrences(of: out, with: "@OUT") + "\n"
        if let written = FileManager.default.contents(atPath: out) {
            actual += "--- @OUT ---\n" + String(decoding: written, as: UTF8.self)
        }
        if !r.err.isEmpty { actual += "--- stderr ---\n" + r.err }
        #expect(actual == expected, "\(c.name): output differs from Golden/expected/\(c.name)")
    }
}
