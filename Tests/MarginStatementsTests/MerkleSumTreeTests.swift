import Foundation
import MarginCore
import MarginStatements
import Testing

@Suite("MerkleSumTree: the commitment over every account, its root and inclusion proofs")
struct MerkleSumTreeTests {
    /// docs/statements/commitment_example.py computes these with Python's hashlib, hmac and decimal.
    static let accounts: [(String, Double, Double, Double)] = [
        ("alice", 1000, 200, 300), ("bob", -50.25, 10, 15), ("carol", 0, 0, 0), ("dave", 123.456789, 50, 75.5),
        ("erin", 2.5e-6, 1e-6, 2e-6),
    ]
    static let root = "742a2066eab9ef6b7968bb4f046826e39e1d5603e414d61493a62b83c14147d3"
    static let totals: [UInt64] = [1_123_456_792, 50_250_000, 260_000_001, 390_500_002]

    static func key() throws -> VenueKey {
        try VenueKey(seed: [UInt8](repeating: 7, count: 32), commitmentSecret: [UInt8](repeating: 1, count: 32))
    }

    static func tree(threads: Int = 2) throws -> MerkleSumTree {
        try MerkleSumTree(accounts: accounts.map { id, e, mm, im in
            (id, try CommitmentColumns(equity: e, maintenanceMargin: mm, initialMargin: im))
        }, key: key(), threads: threads)
    }

    @Test("micro-USD from the exact binary value, half to even: 2.5e-6 USD is 3 (its double is above 2.5e-6)")
    func columns() throws {
        #expect(try CommitmentColumns.microUSD(2.5e-6) == 3)
        #expect(try CommitmentColumns.microUSD(0.5e-6) == 0)   // 4.99…e-7: below the half
        #expect(try CommitmentColumns.microUSD(1.5) == 1_500_000)
        #expect(try CommitmentColumns.microUSD(0.0000015) == 2) // 1.5000000000000000…4e-6
        #expect(try CommitmentColumns.microUSD(4.9406564584124654e-324) == 0)
        // Python: Decimal(9223372036854.775) = 9223372036854.775390625 exactly.
        #expect(try CommitmentColumns.microUSD(9_223_372_036_854.775) == 9_223_372_036_854_775_391)
        #expect(throws: StatementError.self) { try CommitmentColumns.microUSD(9_223_372_036_855) }
        #expect(throws: StatementError.self) { try CommitmentColumns(equity: .nan, maintenanceMargin: 0, initialMargin: 0) }
        let c = try CommitmentColumns(equity: -50.25, maintenanceMargin: 10, initialMargin: 15)
        #expect(c.values == [0, 50_250_000, 10_000_000, 15_000_000])
    }

    @Test("5 accounts worked by hand (Python's hashlib): root, totals, depth; the same on one thread")
    func handWorked() throws {
        let tree = try Self.tree()
        #expect(Hex.encode(tree.root) == Self.root)
        #expect(tree.totals.values == Self.totals)
        #expect(tree.depth == 3)
        #expect(tree.accountCount == 5)
        #expect(Hex.encode(try Self.tree(threads: 1).root) == Self.root)
    }

    @Test("every account's proof verifies against the signed root; changing a value, the salt, the index or a sibling fails")
    func proofs() throws {
        let tree = try Self.tree()
        let key = try Self.key()
        let signed = try RiskCommitment(venue: "test", sequence: 42, valuationTime: "2026-12-06T00:00:00Z", tree: tree)
            .signed(with: key)
        for (id, _, _, _) in Self.accounts {
            let proof = try #require(InclusionProof(account: id, tree: tree, signedCommitment: signed))
            // Through JSON text and back, as a verifier gets it.
            let text = try CanonicalJSON.text(proof.json)
            let read = try InclusionProof(json: JSONNode.parse(text).value)
            let root = try read.verify(key: key.publicKey)
            #expect(Hex.encode(root.root) == Self.root)
            var changed = read
            changed.values.values[2] += 1
            #expect(throws: StatementError.self) { try changed.verify(key: key.publicKey) }
            changed = read
            changed.salt[0] ^= 1
            #expect(throws: StatementError.self) { try changed.verify(key: key.publicKey) }
            changed = read
            changed.index ^= 1
            #expect(throws: StatementError.self) { try changed.verify(key: key.publicKey) }
            changed = read
            changed.siblings[1].sums.values[0] += 1
            #expect(throws: StatementError.self) { try changed.verify(key: key.publicKey) }
        }
        #expect(InclusionProof(account: "mallory", tree: tree, signedCommitment: signed) == nil)
    }

    @Test("flipping any byte of a signed root's canonical text makes it fail, naming why")
    func flipRoot() throws {
        let key = try Self.key()
        let signed = try RiskCommitment(venue: "test", sequence: 42, valuationTime: "2026-12-06T00:00:00Z",
                                        tree: try Self.tree()).signed(with: key)
        let bytes = try CanonicalJSON.bytes(signed)
        var failures = 0
        for i in bytes.indices {
            var b = bytes
            b[i] ^= 0x01
            guard let node = try? JSONNode.parse(b) else { failures += 1; continue }
            do {
                _ = try RiskCommitment.verify(node.value, key: key.publicKey)
            } catch {
                #expect(!error.description.isEmpty)
                failures += 1
            }
        }
        #expect(failures == bytes.count)
    }

    @Test("a column whose sum overflows 64 bits is refused, in the tree and in a root object")
    func overflow() throws {
        let big = CommitmentColumns(values: [UInt64(1) << 62 + 5, 0, 0, 0])
        let accounts = (0..<4).map { ("a\($0)", big) }
        #expect(throws: StatementError.invalid(path: "equityCredit", reason: "the column's sum overflows 64 bits")) {
            try MerkleSumTree(accounts: accounts, key: try Self.key())
        }
        var object = RiskCommitment(venue: "v", sequence: 1, valuationTime: "t", accounts: 1, depth: 0,
                                    root: [UInt8](repeating: 0, count: 32), totals: .zero).json
        guard case .object(var pairs) = object else { return }
        pairs[pairs.firstIndex { $0.key == "totals" }!].value = .object([
            ("equityCredit", .string("18446744073709551616")), ("equityDebit", .string("0")),
            ("maintenanceMargin", .string("0")), ("initialMargin", .string("0"))])
        object = .object(pairs)
        #expect(throws: StatementError.self) { try RiskCommitment(json: object) }
    }

    @Test("an account listed twice is refused")
    func duplicate() throws {
        #expect(throws: StatementError.self) {
            try MerkleSumTree(accounts: [("a", .zero), ("a", .zero)], key: try Self.key())
        }
    }
}
