import Crypto

/// What is kept of a forgotten front-end record (``FrontEndRecords``): the first 16 bytes of SHA-256 of its kind, a
/// line feed and its id (for a request's answer: the API key id and the `Idempotency-Key`). 128 bits: two different
/// ids share a digest with probability 2⁻¹²⁸ per pair, and no one can choose an id that matches another's.
/// Written in snapshots as 32 lowercase hex digits.
public struct ForgottenDigest: Hashable, Comparable, Sendable {
    /// The digest's first and last 8 bytes, big-endian.
    public var high: UInt64
    public var low: UInt64

    public init(kind: String, id: String) {
        let hash = Array(SHA256.hash(data: Array("\(kind)\n\(id)".utf8)))
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 {
            high = high << 8 | UInt64(hash[i])
            low = low << 8 | UInt64(hash[8 + i])
        }
        self.high = high
        self.low = low
    }

    /// Reads 32 hex digits.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 32, let high = UInt64(String(decoding: bytes[0..<16], as: UTF8.self), radix: 16),
              let low = UInt64(String(decoding: bytes[16..<32], as: UTF8.self), radix: 16) else { return nil }
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits.
    public var hex: String {
        func digits(_ v: UInt64) -> String {
            let text = String(v, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return digits(high) + digits(low)
    }

    public static func < (a: ForgottenDigest, b: ForgottenDigest) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
