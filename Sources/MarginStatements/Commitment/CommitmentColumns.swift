/// One account's four committed columns, each a non-negative integer in units of 10⁻⁶ USD below 2⁶³, in this order:
/// `equityCredit` = max(equity, 0), `equityDebit` = max(−equity, 0), `maintenanceMargin`, `initialMargin`.
public struct CommitmentColumns: Sendable, Hashable {
    /// The column names, in order (the root object's `columns`).
    public static let names = ["equityCredit", "equityDebit", "maintenanceMargin", "initialMargin"]

    /// The values, micro-USD, in ``names`` order.
    public var values: [UInt64]

    public init(values: [UInt64]) {
        precondition(values.count == 4, "four columns")
        self.values = values
    }

    public static let zero = CommitmentColumns(values: [0, 0, 0, 0])

    /// An account's columns from its equity and margins (USD, `Double`: the engine's figures), each converted exactly
    /// (``microUSD(_:)``).
    ///
    /// - Throws: ``StatementError/invalid(path:reason:)`` naming the figure when it is not finite, a margin is
    ///   negative, or a column does not fit below 2⁶³ (fail closed: a risk that cannot be committed is never zero).
    public init(equity: Double, maintenanceMargin: Double, initialMargin: Double) throws(StatementError) {
        guard equity.isFinite else { throw .invalid(path: "equity", reason: "\(equity) is not finite") }
        for (name, x) in [("maintenanceMargin", maintenanceMargin), ("initialMargin", initialMargin)] {
            guard x.isFinite, x >= 0 else { throw .invalid(path: name, reason: "\(x) is not a finite amount ≥ 0") }
        }
        values = [try Self.microUSD(max(equity, 0), "equityCredit"), try Self.microUSD(max(-equity, 0), "equityDebit"),
                  try Self.microUSD(maintenanceMargin, "maintenanceMargin"),
                  try Self.microUSD(initialMargin, "initialMargin")]
    }

    /// `x` USD (finite, ≥ 0) in 10⁻⁶ USD, rounded half to even from `x`'s exact binary value (no intermediate
    /// rounding: `x = m · 2ᵉ` exactly, scaled by 10⁶ in 128-bit integers).
    ///
    /// - Throws: ``StatementError/invalid(path:reason:)`` when the result is 2⁶³ or more.
    public static func microUSD(_ x: Double, _ column: String = "value") throws(StatementError) -> UInt64 {
        precondition(x.isFinite && x >= 0)
        if x == 0 { return 0 }
        let tooLarge = StatementError.invalid(path: column, reason: "\(x) USD is 2^63 micro-USD or more")
        // x = m · 2^e exactly, m an integer below 2^53.
        let m: UInt128
        let e: Int
        if x.isNormal {
            m = UInt128(x.significandBitPattern | 1 << 52)
            e = Int(x.exponent) - 52
        } else {
            m = UInt128(x.significandBitPattern)
            e = -1074
        }
        let scaled = m * 1_000_000
        var result: UInt128
        if e >= 0 {
            guard e < 63, 128 - scaled.leadingZeroBitCount + e <= 63 else { throw tooLarge }
            result = scaled << e
        } else {
            let shift = -e
            if shift >= 128 { return 0 }
            let q = scaled >> shift
            let r = scaled - (q << shift)
            let half = UInt128(1) << (shift - 1)
            result = q
            if r > half || (r == half && q & 1 == 1) { result += 1 }
        }
        guard result < UInt128(1) << 63 else { throw tooLarge }
        return UInt64(result)
    }

    /// Column-wise sum.
    ///
    /// - Throws: ``StatementError/invalid(path:reason:)`` naming the column on an unsigned 64-bit overflow (never a
    ///   wrap).
    public func adding(_ other: CommitmentColumns) throws(StatementError) -> CommitmentColumns {
        var out = [UInt64](repeating: 0, count: 4)
        for c in 0..<4 {
            let (sum, overflow) = values[c].addingReportingOverflow(other.values[c])
            guard !overflow else {
                throw .invalid(path: Self.names[c], reason: "the sum overflows 64 bits")
            }
            out[c] = sum
        }
        return CommitmentColumns(values: out)
    }

    /// The 32 bytes of the four values, unsigned 64-bit big-endian each.
    public var bigEndianBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for v in values { for k in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        return out
    }
}
