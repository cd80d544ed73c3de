import CVectorMath
import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The C aggregation kernel's paths against a plain Swift loop, and passes on one thread against two.
@Suite struct ParallelPassTests {
    typealias F = EngineFixtures

    /// The engine's order of operations, written out: acc = 0 + coin·spot, then + size·row per position in order.
    static func reference(rows: [[Double]], sizes: [Double], spot: [Double], coin: Double, regular: Int)
        -> (acc: [Double], lowest: Double)
    {
        var acc = [Double](repeating: 0, count: spot.count)
        var lowest = Double.infinity
        for s in spot.indices {
            var a = 0 + coin * spot[s]
            for j in rows.indices { a = a + sizes[j] * rows[j][s] }
            acc[s] = a
            if s < regular { lowest = a < lowest ? a : lowest }
        }
        return (acc, lowest)
    }

    @Test("vm_accumulate_rows: scalar, AVX2 and AVX-512 paths equal the Swift loop bit for bit",
          arguments: [(0, 136, 126), (1, 136, 126), (5, 136, 126), (9, 16, 13), (3, 8, 0), (4, 12, 7)])
    func kernelPaths(positions: Int, stride: Int, regular: Int) {
        var rng = SplitMix64(seed: UInt64(positions * 1_000 + stride))
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1 }
        let rows = (0..<positions).map { _ in (0..<stride).map { _ in uniform() * 5_000 } }
        let sizes = (0..<positions).map { _ in uniform() * 40 }
        let spot = (0..<stride).map { _ in uniform() * 15_000 }
        let coin = uniform() * 3
        let expected = Self.reference(rows: rows, sizes: sizes, spot: spot, coin: coin, regular: regular)
        for isa in [VM_ISA_SCALAR, VM_ISA_AVX2, VM_ISA_AVX512] {
            var acc = [Double](repeating: .nan, count: stride)
            let pointers = rows.map { row in row.withUnsafeBufferPointer { UnsafePointer<Double>?($0.baseAddress!) } }
            // The rows are arrays kept alive by `rows`; their storage does not move while `rows` lives.
            let lowest = withExtendedLifetime(rows) {
                pointers.withUnsafeBufferPointer { p in
                    sizes.withUnsafeBufferPointer { z in
                        spot.withUnsafeBufferPointer { sp in
                            acc.withUnsafeMutableBufferPointer { out in
                                vm_accumulate_rows(isa, p.baseAddress, z.baseAddress, positions, sp.baseAddress, coin,
                                                   stride, regular, out.baseAddress)
                            }
                        }
                    }
                }
            }
            #expect(acc.map(\.bitPattern) == expected.acc.map(\.bitPattern), "path \(isa)")
            #expect(lowest.bitPattern == expected.lowest.bitPattern, "path \(isa)")
        }
    }

    @Test("a pass on two threads gives the margins, health events and priority lists of one thread")
    func twoThreadsEqualOne() async throws {
        // Enough accounts for the sweep to split (≥ 2,048) and enough stale arrays for parallel pricing.
        let genesis = F.genesis(accounts: 2_400, positions: 4)
        let one = try await F.engine(genesis)
        let two = try await F.engine(genesis)
        await one.setThreads(1)
        await two.setThreads(2)
        #expect(await one.marginDigest == two.marginDigest)
        var market = F.market
        for k in 0..<4 {
            let updates = k == 3 ? [market.step(0, seconds: 600), market.step(1, seconds: 0)]
                : [market.step(k % 2, seconds: 600, withSurface: k == 1)]
            let a = try await one.submitMarkets(updates)
            let b = try await two.submitMarkets(updates)
            #expect(a.sequences == b.sequences)
            #expect(a.healthChanges == b.healthChanges)
            #expect(await one.marginDigest == two.marginDigest)
            #expect(await one.priorityAccounts(of: "BTC") == two.priorityAccounts(of: "BTC"))
            let pass = await two.lastPass
            #expect(pass.threads == 2 && pass.accounts > 2_048)
        }
        #expect(await two.verifyAggregation().mismatches == 0)
        #expect(await one.digest == two.digest)
    }

    @Test("the pass helper runs every part of every job exactly once, primed or asleep")
    func helperRunsEveryPartOnce() {
        let helper = PassHelper(spin: .microseconds(200))
        defer { helper.stop() }
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        let shared = SharedCounts(base: counts.baseAddress!)
        for job in 0..<300 {
            counts.initialize(repeating: 0)
            let parts = 1 + job % 64
            if job % 3 == 0 { helper.prime() }
            if job % 50 == 0 { Thread.sleep(forTimeInterval: 0.001) }   // let the helper fall asleep sometimes
            helper.run(parts: parts) { part, worker in
                precondition(worker == 0 || worker == 1)
                shared.base[part] += 1
            }
            #expect(counts.prefix(parts).allSatisfy { $0 == 1 }, "job \(job)")
            #expect(counts.dropFirst(parts).allSatisfy { $0 == 0 }, "job \(job)")
        }
    }
}

/// Per-part counters written by disjoint parts.
private struct SharedCounts: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int>
}
