import Crypto
import Dispatch
import Foundation

/// The Merkle-sum tree over every account's ``CommitmentColumns`` (docs/STATEMENTS.md, "Commitment"):
///
/// - leaf hash = SHA-256(0x00 ‖ s ‖ SHA-256(UTF-8 id) ‖ the four columns as unsigned 64-bit big-endian), with the
///   per-account salt `s` = HMAC-SHA-256(commitment secret, UTF-8 id);
/// - leaves ordered by SHA-256(UTF-8 id) ascending as bytes, padded to a power of two with empty leaves (hash 32 zero
///   bytes, sums zero);
/// - node hash = SHA-256(0x01 ‖ left hash ‖ left sums ‖ right hash ‖ right sums), a node's sums the column-wise
///   sums of its children (an overflow is an error, never a wrap).
///
/// Built in one pass over the accounts, hashing on every core (`DispatchQueue.concurrentPerform` over chunks) into
/// flat byte buffers (no allocation per account); the result does not depend on the number of threads. Memory:
/// 64 bytes per node (hash and sums) and 64 bytes per account (id hash and salt), about 192 bytes per padded leaf.
public struct MerkleSumTree: Sendable {
    /// Levels from the leaves (`0`) to the root (`depth`): hashes, 32 bytes per node, contiguous.
    let hashes: [[UInt8]]
    /// Levels of sums, 4 per node, contiguous.
    let sums: [[UInt64]]
    /// SHA-256 of each account's UTF-8 id by leaf position (real leaves only), 32 bytes each, ascending: the leaves'
    /// order, searched by ``path(of:)``.
    let idHashes: [UInt8]
    /// Salts by leaf position (real leaves only), 32 bytes each.
    let salts: [UInt8]

    /// Number of real leaves (accounts).
    public let accountCount: Int
    /// Levels above the leaves: the padded leaf count is 2^depth.
    public var depth: Int { hashes.count - 1 }
    /// The root hash.
    public var root: [UInt8] { hashes[depth] }
    /// The root's sums (the totals of every column).
    public var totals: CommitmentColumns { CommitmentColumns(values: sums[depth]) }

    /// Builds the tree of `accounts` (id and columns; ids unique) with salts from `key`.
    ///
    /// - Throws: ``StatementError/invalid(path:reason:)`` for a repeated id or a column sum that overflows.
    public init(accounts: [(id: String, columns: CommitmentColumns)], key: VenueKey,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(StatementError) {
        let n = accounts.count
        // 1. Id hashes, salts and leaf hashes, in parallel by chunks, into flat buffers.
        var idHashes = [UInt8](repeating: 0, count: n * 32)
        var saltBytes = [UInt8](repeating: 0, count: n * 32)
        var leafHashes = [UInt8](repeating: 0, count: n * 32)
        let chunks = Self.chunks(n, threads: threads)
        let authenticator = key.saltAuthenticator()
        idHashes.withUnsafeMutableBytes { ids in
            saltBytes.withUnsafeMutableBytes { salts in
                leafHashes.withUnsafeMutableBytes { leaves in
                    let (ids, salts, leaves) = (SendableBytes(ids), SendableBytes(salts), SendableBytes(leaves))
                    DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                        // The leaf's preimage: 0x00 ‖ salt ‖ id hash ‖ columns, reused for every account.
                        var block = [UInt8](repeating: 0, count: 97)
                        block.withUnsafeMutableBytes { block in
                            for i in chunks[c] {
                                var id = accounts[i].id
                                id.withUTF8 { utf8 in
                                    let id = UnsafeRawBufferPointer(utf8)
                                    let idHash = SHA256.hash(data: id)
                                    var mac = authenticator
                                    mac.update(data: id)
                                    let salt = mac.finalize()
                                    salt.withUnsafeBytes { Self.copy32($0, to: block, at: 1) }
                                    idHash.withUnsafeBytes { Self.copy32($0, to: block, at: 33) }
                                    let values = accounts[i].columns.values
                                    for col in 0..<4 {
                                        block.storeBytes(of: values[col].bigEndian, toByteOffset: 65 + 8 * col,
                                                         as: UInt64.self)
                                    }
                                    let leaf = SHA256.hash(data: UnsafeRawBufferPointer(block))
                                    let at = i * 32
                                    Self.copy32(UnsafeRawBufferPointer(rebasing: block[33..<65]), to: ids.base, at: at)
                                    Self.copy32(UnsafeRawBufferPointer(rebasing: block[1..<33]), to: salts.base, at: at)
                                    leaf.withUnsafeBytes { Self.copy32($0, to: leaves.base, at: at) }
                                }
                            }
                        }
                    }
                }
            }
        }
        // 2. Leaf order: by id hash, as bytes.
        // (The first 8 bytes as a big-endian integer order almost every pair; equal prefixes fall back to the bytes.)
        let order: [Int] = idHashes.withUnsafeBufferPointer { p in
            var keyed = (0..<n).map { i -> (prefix: UInt64, index: Int) in
                var prefix: UInt64 = 0
                for k in 0..<8 { prefix = prefix << 8 | UInt64(p[i * 32 + k]) }
                return (prefix, i)
            }
            keyed.sort { x, y in
                if x.prefix != y.prefix { return x.prefix < y.prefix }
                for k in 8..<32 where p[x.index * 32 + k] != p[y.index * 32 + k] {
                    return p[x.index * 32 + k] < p[y.index * 32 + k]
                }
                return false
            }
            return keyed.map(\.index)
        }
        var size = 1
        while size < n { size <<= 1 }
        var level = [UInt8](repeating: 0, count: size * 32)
        var levelSums = [UInt64](repeating: 0, count: size * 4)
        var sortedIds = [UInt8](repeating: 0, count: n * 32)
        var salts = [UInt8](repeating: 0, count: n * 32)
        level.withUnsafeMutableBytes { level in
            sortedIds.withUnsafeMutableBytes { sortedIds in
                salts.withUnsafeMutableBytes { salts in
                    leafHashes.withUnsafeBytes { leafHashes in
                        idHashes.withUnsafeBytes { idHashes in
                            saltBytes.withUnsafeBytes { saltBytes in
                                for (position, i) in order.enumerated() {
                                    let (to, from) = (position * 32, i * 32)
                                    Self.copy32(UnsafeRawBufferPointer(rebasing: leafHashes[from...]),
                                                to: level, at: to)
                                    Self.copy32(UnsafeRawBufferPointer(rebasing: idHashes[from...]),
                                                to: sortedIds, at: to)
                                    Self.copy32(UnsafeRawBufferPointer(rebasing: saltBytes[from...]),
                                                to: salts, at: to)
                                }
                            }
                        }
                    }
                }
            }
        }
        for (position, i) in order.enumerated() {
            for c in 0..<4 { levelSums[position * 4 + c] = accounts[i].columns.values[c] }
            // Equal id hashes are equal ids (SHA-256): sorted, a repeated id is next to its twin.
            let to = position * 32
            if position > 0, sortedIds[(to - 32)..<to].elementsEqual(sortedIds[to..<(to + 32)]) {
                throw .invalid(path: "accounts", reason: "account \(accounts[i].id) appears twice")
            }
        }
        // 3. Levels up to the root.
        var hashes = [level]
        var sums = [levelSums]
        while level.count > 32 {
            let (up, upSums) = try Self.parents(level, levelSums, threads: threads)
            level = up
            levelSums = upSums
            hashes.append(level)
            sums.append(levelSums)
        }
        self.hashes = hashes
        self.sums = sums
        self.idHashes = sortedIds
        self.salts = salts
        self.accountCount = n
    }

    /// The hash and sums of a node from its children's.
    public static func node(left: [UInt8], leftSums: CommitmentColumns, right: [UInt8], rightSums: CommitmentColumns)
        throws(StatementError) -> (hash: [UInt8], sums: CommitmentColumns)
    {
        var h = SHA256()
        h.update(data: [0x01])
        h.update(data: left)
        h.update(data: leftSums.bigEndianBytes)
        h.update(data: right)
        h.update(data: rightSums.bigEndianBytes)
        return (Array(h.finalize()), try leftSums.adding(rightSums))
    }

    /// The hash of a leaf.
    public static func leaf(salt: [UInt8], account: String, columns: CommitmentColumns) -> [UInt8] {
        var h = SHA256()
        h.update(data: [0x00])
        h.update(data: salt)
        h.update(data: Array(SHA256.hash(data: Array(account.utf8))))
        h.update(data: columns.bigEndianBytes)
        return Array(h.finalize())
    }

    /// The path of `account`'s leaf: its position, salt, columns, and its siblings' hashes and sums from the leaf's
    /// level up; `nil` for an account not in the tree.
    public func path(of account: String)
        -> (index: Int, salt: [UInt8], columns: CommitmentColumns, siblings: [(hash: [UInt8], sums: CommitmentColumns)])?
    {
        guard let index = position(of: account) else { return nil }
        var siblings: [(hash: [UInt8], sums: CommitmentColumns)] = []
        var i = index
        for k in 0..<depth {
            let s = i ^ 1
            siblings.append((Array(hashes[k][(s * 32)..<(s * 32 + 32)]),
                             CommitmentColumns(values: Array(sums[k][(s * 4)..<(s * 4 + 4)]))))
            i >>= 1
        }
        return (index, Array(salts[(index * 32)..<(index * 32 + 32)]),
                CommitmentColumns(values: Array(sums[0][(index * 4)..<(index * 4 + 4)])), siblings)
    }

    /// The leaf position of `account`: a binary search of its id hash among the sorted ones.
    private func position(of account: String) -> Int? {
        let target = Array(SHA256.hash(data: Array(account.utf8)))
        var (low, high) = (0, accountCount)
        while low < high {
            let mid = (low + high) / 2
            let at = mid * 32
            let candidate = idHashes[at..<(at + 32)]
            if candidate.elementsEqual(target) { return mid }
            if candidate.lexicographicallyPrecedes(target) { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    private static func parents(_ level: [UInt8], _ levelSums: [UInt64], threads: Int) throws(StatementError)
        -> ([UInt8], [UInt64])
    {
        let count = level.count / 64
        var up = [UInt8](repeating: 0, count: count * 32)
        var upSums = [UInt64](repeating: 0, count: count * 4)
        let overflow = OverflowFlag()
        let chunks = Self.chunks(count, threads: count >= 4_096 ? threads : 1)
        up.withUnsafeMutableBufferPointer { upBuffer in
            upSums.withUnsafeMutableBufferPointer { sumBuffer in
                let (out, outSums) = (SendablePointer(upBuffer), SendablePointer(sumBuffer))
                DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                    var block = [UInt8](repeating: 0, count: 1 + 2 * (32 + 32))
                    for p in chunks[c] {
                        block[0] = 0x01
                        for side in 0..<2 {
                            let child = 2 * p + side
                            let base = 1 + side * 64
                            for k in 0..<32 { block[base + k] = level[child * 32 + k] }
                            for col in 0..<4 {
                                let v = levelSums[child * 4 + col]
                                for b in 0..<8 { block[base + 32 + col * 8 + b] = UInt8(truncatingIfNeeded: v >> (56 - 8 * b)) }
                            }
                        }
                        let digest = SHA256.hash(data: block)
                        var k = 0
                        for byte in digest {
                            out.base[p * 32 + k] = byte
                            k += 1
                        }
                        for col in 0..<4 {
                            let (s, o) = levelSums[2 * p * 4 + col].addingReportingOverflow(levelSums[(2 * p + 1) * 4 + col])
                            if o { overflow.set(col) }
                            outSums.base[p * 4 + col] = s
                        }
                    }
                }
            }
        }
        if let col = overflow.column {
            throw .invalid(path: CommitmentColumns.names[col], reason: "the column's sum overflows 64 bits")
        }
        return (up, upSums)
    }

    /// Copies the 32 bytes at the start of `source` to `destination[offset ..< offset + 32]`.
    private static func copy32(_ source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer,
                               at offset: Int) {
        precondition(source.count >= 32 && offset >= 0 && offset + 32 <= destination.count)
        destination.baseAddress!.advanced(by: offset).copyMemory(from: source.baseAddress!, byteCount: 32)
    }

    private static func chunks(_ n: Int, threads: Int) -> [Range<Int>] {
        let parts = max(1, min(threads * 4, n / 1_024 + 1))
        let size = (n + parts - 1) / max(parts, 1)
        guard size > 0 else { return [0..<0] }
        return stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    }
}

/// Mutable bytes shared by the chunks of a parallel loop, each writing its own disjoint range.
private struct SendableBytes: @unchecked Sendable {
    // @unchecked: every chunk writes a disjoint range; the loop ends before the bytes are read.
    let base: UnsafeMutableRawBufferPointer
    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }
}

/// A mutable buffer shared by the chunks of a parallel loop, each writing its own disjoint range.
private struct SendablePointer<T>: @unchecked Sendable {
    // @unchecked: every chunk writes a disjoint range; the loop ends before the buffer is read.
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// The first column whose sum overflowed in a parallel level (any chunk may set it).
private final class OverflowFlag: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var first: Int?
    func set(_ column: Int) { lock.withLock { first = min(first ?? column, column) } }
    var column: Int? { lock.withLock { first } }
}
