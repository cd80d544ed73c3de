import MarginLedger
import MarginCore

extension EngineCore {
    /// A 64-bit FNV-1a digest of every account's margin (name, then the bit patterns of equity, MM and IM, the
    /// health, and the unpriceable instrument of an account whose risk is unavailable), in account-name order, and
    /// of the state's canonical payload. Equal digests mean bit-identical margins and state; used to prove recovery
    /// exact.
    package var digest: String {
        var h = FNV1a()
        for name in book.accountNames.sorted() {
            guard let a = book.accountSlot[name] else { continue }
            let m = book.margins[Int(a)]
            h.add(name)
            h.add(m.equity.bitPattern)
            h.add(m.maintenanceMargin.bitPattern)
            h.add(m.initialMargin.bitPattern)
            h.add(m.health.rawValue)
            if let id = m.unpricedInstrument {
                h.add("unpriced")
                h.add(id)
            }
        }
        let margins = h.value
        var s = FNV1a()
        s.add(state.payload)
        return hex(margins) + "-" + hex(s.value)
    }

    /// Digest of the margins only (first half of ``digest``).
    package var marginDigest: String { String(digest.prefix(16)) }

    private func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// 64-bit FNV-1a.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func addByte(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01B3
    }

    mutating func add(_ s: String) {
        for b in s.utf8 { addByte(b) }
        addByte(0)
    }

    mutating func add(_ v: UInt64) {
        for i in 0..<8 { addByte(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
