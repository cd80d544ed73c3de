import MarginCore

/// An account's proof that it was counted in a ``RiskCommitment``:
///
/// `{"type": "inclusionProof", "version": 1, "account": A, "salt": hex, "values": {column: decimal string},
///   "index": i, "siblings": [{"hash": hex, "sums": [4 decimal strings]}, … from the leaf's level up],
///   "commitment": <the signed root object>}`
///
/// `index` is the leaf's position among the padded leaves (0-based); at level k the path's node is the left child
/// when bit k of `index` is 0. Verifying recomputes the leaf from the account, salt and values, folds the siblings up
/// to the root, and compares the root hash and totals with the signed commitment's.
public struct InclusionProof: Sendable {
    public var account: String
    public var salt: [UInt8]
    public var values: CommitmentColumns
    public var index: Int
    public var siblings: [(hash: [UInt8], sums: CommitmentColumns)]
    /// The signed root object, as signed.
    public var commitment: JSONValue

    /// `account`'s proof in `tree`, or `nil` when the account is not in it.
    public init?(account: String, tree: MerkleSumTree, signedCommitment: JSONValue) {
        guard let path = tree.path(of: account) else { return nil }
        self.account = account
        salt = path.salt
        values = path.columns
        index = path.index
        siblings = path.siblings
        commitment = signedCommitment
    }

    public var json: JSONValue {
        .object([
            ("type", .string("inclusionProof")), ("version", .double(1)), ("account", .string(account)),
            ("salt", .string(Hex.encode(salt))),
            ("values", .object(zip(CommitmentColumns.names, values.values).map { ($0, .string(String($1))) })),
            ("index", .double(Double(index))),
            ("siblings", .array(siblings.map { s in
                .object([("hash", .string(Hex.encode(s.hash))),
                         ("sums", .array(s.sums.values.map { .string(String($0)) }))])
            })),
            ("commitment", commitment),
        ])
    }

    /// Reads a proof object.
    public init(json: JSONValue) throws(StatementError) {
        let o = StatementObject(json, path: "$")
        try o.expectType("inclusionProof")
        account = try o.string("account")
        guard let salt = Hex.decode(try o.string("salt"), count: 32) else {
            throw .malformed(path: "$.salt", reason: "must be 64 hex digits")
        }
        self.salt = salt
        values = try o.columns("values")
        index = try o.integer("index")
        var siblings: [(hash: [UInt8], sums: CommitmentColumns)] = []
        for (k, item) in try o.array("siblings").enumerated() {
            let s = StatementObject(item, path: "$.siblings[\(k)]")
            guard let hash = Hex.decode(try s.string("hash"), count: 32) else {
                throw .malformed(path: "$.siblings[\(k)].hash", reason: "must be 64 hex digits")
            }
            let sums = try s.array("sums")
            guard sums.count == 4 else { throw .malformed(path: "$.siblings[\(k)].sums", reason: "must have 4 values") }
            var values: [UInt64] = []
            for (c, v) in sums.enumerated() {
                guard case .string(let text) = v, let x = UInt64(text), String(x) == text else {
                    throw .malformed(path: "$.siblings[\(k)].sums[\(c)]", reason: "must be a decimal string below 2^64")
                }
                values.append(x)
            }
            siblings.append((hash, CommitmentColumns(values: values)))
        }
        self.siblings = siblings
        commitment = try o.member("commitment")
    }

    /// Verifies the proof: the commitment's signature by `key`, the path from the leaf to the signed root, and the
    /// sums along it.
    ///
    /// - Returns: the verified commitment.
    /// - Throws: ``StatementError/invalid(path:reason:)`` saying which check failed.
    @discardableResult
    public func verify(key: PublicJWK) throws(StatementError) -> RiskCommitment {
        let root: RiskCommitment
        do { root = try RiskCommitment.verify(commitment, key: key) } catch {
            switch error {
            case .malformed(let p, let r): throw .malformed(path: "$.commitment" + p.dropFirst(), reason: r)
            case .invalid(let p, let r): throw .invalid(path: "$.commitment" + p.dropFirst(), reason: r)
            case .key: throw error
            }
        }
        guard siblings.count == root.depth else {
            throw .invalid(path: "$.siblings", reason: "\(siblings.count) siblings for a tree of depth \(root.depth)")
        }
        guard index >= 0, index < 1 << root.depth else {
            throw .invalid(path: "$.index", reason: "\(index) is outside the tree's \(1 << root.depth) leaves")
        }
        var hash = MerkleSumTree.leaf(salt: salt, account: account, columns: values)
        var sums = values
        for (k, sibling) in siblings.enumerated() {
            let node: (hash: [UInt8], sums: CommitmentColumns)
            do {
                node = (index >> k) & 1 == 0
                    ? try MerkleSumTree.node(left: hash, leftSums: sums, right: sibling.hash, rightSums: sibling.sums)
                    : try MerkleSumTree.node(left: sibling.hash, leftSums: sibling.sums, right: hash, rightSums: sums)
            } catch {
                throw .invalid(path: "$.siblings[\(k)].sums", reason: "\(error)")
            }
            hash = node.hash
            sums = node.sums
        }
        guard hash == root.root else {
            throw .invalid(path: "$", reason: "the path does not reach the committed root: the account, salt, values, "
                           + "index or a sibling differs from what was committed")
        }
        guard sums == root.totals else {
            throw .invalid(path: "$.commitment.totals", reason: "the sums along the path are not the committed totals")
        }
        return root
    }
}
