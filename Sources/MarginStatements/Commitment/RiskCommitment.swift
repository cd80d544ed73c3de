import MarginCore

/// The signed root of a ``MerkleSumTree`` over every account at one journal sequence:
///
/// `{"type": "riskCommitment", "version": 1, "venue": V, "sequence": "N", "valuationTime": T, "unit": "1e-6 USD",
///   "columns": ["equityCredit", "equityDebit", "maintenanceMargin", "initialMargin"], "accounts": n, "depth": d,
///   "root": lowercase hex, "totals": {column: decimal string}, "signature": …}`
///
/// `sequence` is a decimal string (it may exceed 2⁵³); `accounts` and `depth` are JSON numbers.
public struct RiskCommitment: Sendable, Equatable {
    public var venue: String
    public var sequence: UInt64
    /// ISO 8601 (the engine's journal time of the state committed).
    public var valuationTime: String
    public var accounts: Int
    public var depth: Int
    public var root: [UInt8]
    public var totals: CommitmentColumns

    public init(venue: String, sequence: UInt64, valuationTime: String, tree: MerkleSumTree) {
        self.init(venue: venue, sequence: sequence, valuationTime: valuationTime, accounts: tree.accountCount,
                  depth: tree.depth, root: tree.root, totals: tree.totals)
    }

    public init(venue: String, sequence: UInt64, valuationTime: String, accounts: Int, depth: Int, root: [UInt8],
                totals: CommitmentColumns) {
        self.venue = venue
        self.sequence = sequence
        self.valuationTime = valuationTime
        self.accounts = accounts
        self.depth = depth
        self.root = root
        self.totals = totals
    }

    /// The unsigned object.
    public var json: JSONValue {
        .object([
            ("type", .string("riskCommitment")), ("version", .double(1)), ("venue", .string(venue)),
            ("sequence", .string(String(sequence))), ("valuationTime", .string(valuationTime)),
            ("unit", .string("1e-6 USD")), ("columns", .array(CommitmentColumns.names.map { .string($0) })),
            ("accounts", .double(Double(accounts))), ("depth", .double(Double(depth))),
            ("root", .string(Hex.encode(root))),
            ("totals", .object(zip(CommitmentColumns.names, totals.values).map { ($0, .string(String($1))) })),
        ])
    }

    /// The signed object.
    public func signed(with key: VenueKey) throws(StatementError) -> JSONValue { try Signature.sign(json, with: key) }

    /// Reads a root object (its signature is checked by ``verify(_:key:)``).
    ///
    /// - Throws: ``StatementError/malformed(path:reason:)`` naming the member; a total that does not fit in 64 bits
    ///   is refused here (an overflowing column).
    public init(json: JSONValue, path: String = "$") throws(StatementError) {
        let o = StatementObject(json, path: path)
        try o.expectType("riskCommitment")
        venue = try o.string("venue")
        sequence = try o.unsigned("sequence")
        valuationTime = try o.string("valuationTime")
        guard try o.string("unit") == "1e-6 USD" else { throw .malformed(path: "\(path).unit", reason: "must be \"1e-6 USD\"") }
        guard try o.array("columns").map({ v -> String? in if case .string(let s) = v { return s } else { return nil } })
            == CommitmentColumns.names
        else {
            throw .malformed(path: "\(path).columns", reason: "must be \(CommitmentColumns.names)")
        }
        accounts = try o.integer("accounts")
        depth = try o.integer("depth")
        guard depth <= 62, accounts <= 1 << depth, accounts >= 0 else {
            throw .malformed(path: "\(path).accounts", reason: "\(accounts) accounts do not fit a tree of depth \(depth)")
        }
        guard let root = Hex.decode(try o.string("root"), count: 32) else {
            throw .malformed(path: "\(path).root", reason: "must be 64 hex digits")
        }
        self.root = root
        totals = try o.columns("totals")
    }

    /// Reads and verifies a signed root object.
    public static func verify(_ json: JSONValue, key: PublicJWK) throws(StatementError) -> RiskCommitment {
        let commitment = try RiskCommitment(json: json)
        try Signature.verify(json, key: key)
        return commitment
    }
}
