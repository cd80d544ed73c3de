import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStatements

/// `margin-bench statements`: the Merkle-sum commitment (docs/STATEMENTS.md) over 2^20 generated accounts and over
/// the engine's own margins of a 100,000-account population: build time, memory, proof time, verification time and
/// proof size, medians. Anchor (not a peer: another design): Summa builds a 2^20-user tree in 24.3 s on 32 vCPUs with
/// zero-knowledge proofs; this commitment has no zk proofs (an inclusion proof reveals its siblings' sums).
/// Target: ≤ 2 s for 2^20 accounts on this machine; proof and verification ≤ 1 ms each.
struct BenchStatementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statements",
        abstract: "Merkle-sum commitment: 2^20 accounts and a 100,000-account engine population; proofs and verification.")

    @Option(help: "log2 of the generated accounts.") var log2Accounts: Int = 20
    @Option(help: "Engine population's accounts (0 = skip).") var engineAccounts: Int = 100_000
    @Option(help: "Repetitions of the tree build.") var repetitions: Int = 3
    @Option(help: "Proofs made and verified.") var proofs: Int = 1_000

    func run() async throws {
        guard (1...24).contains(log2Accounts), repetitions >= 1, proofs >= 1 else {
            throw BenchFailure(message: "--log2-accounts in 1...24, --repetitions and --proofs ≥ 1")
        }
        let key = VenueKey.generate()
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date())")
        // 1. Generated accounts: seeded figures (an LCG), up to 10^9 USD each.
        let n = 1 << log2Accounts
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / 9_007_199_254_740_992
        }
        var accounts: [(id: String, columns: CommitmentColumns)] = []
        accounts.reserveCapacity(n)
        for i in 0..<n {
            let equity = (next() - 0.1) * 1e6
            let mm = next() * 5e5
            accounts.append(("acct-\(i)", try CommitmentColumns(equity: equity, maintenanceMargin: mm, initialMargin: 1.3 * mm)))
        }
        try measure(label: "\(n) generated accounts", accounts: accounts, key: key)

        // 2. The engine's own margins of a population (one margin pass, then the tree).
        guard engineAccounts > 0 else { return }
        let market = SimulatedMarket(seed: 42)
        let genesis = Population.genesis(market: market, optionsPerUnderlying: 1_000, accounts: engineAccounts,
                                         positionsPerAccount: 10, seed: 43, margins: { $0.accountRequirements() })
        let start = ContinuousClock.now
        let commitment = try VenueStatements.commitment(of: genesis, venue: "bench", key: key)
        let seconds = (ContinuousClock.now - start).secondsValue
        print(String(format: "engine population of %d accounts: margin pass + tree + signature %.2f s (depth %d, root %@)",
                     commitment.root.accounts, seconds, commitment.root.depth, Hex.encode(commitment.root.root)))
    }

    private func measure(label: String, accounts: [(id: String, columns: CommitmentColumns)], key: VenueKey) throws {
        let rss0 = residentBytes()
        var builds: [Double] = []
        var tree: MerkleSumTree?
        for _ in 0..<repetitions {
            tree = nil
            let start = ContinuousClock.now
            tree = try MerkleSumTree(accounts: accounts, key: key)
            builds.append((ContinuousClock.now - start).secondsValue)
        }
        guard let tree else { return }
        let rss1 = residentBytes()
        let signed = try RiskCommitment(venue: "bench", sequence: 1, valuationTime: "2026-12-06T00:00:00Z", tree: tree)
            .signed(with: key)
        var proofSeconds: [Double] = []
        var verifySeconds: [Double] = []
        var sizes: [Double] = []
        let stride = max(1, accounts.count / proofs)
        for i in Swift.stride(from: 0, to: accounts.count, by: stride).prefix(proofs) {
            let t0 = ContinuousClock.now
            guard let proof = InclusionProof(account: accounts[i].id, tree: tree, signedCommitment: signed) else {
                throw BenchFailure(message: "no proof for \(accounts[i].id)")
            }
            let bytes = try CanonicalJSON.bytes(proof.json)
            let t1 = ContinuousClock.now
            let read = try InclusionProof(json: JSONNode.parse(bytes).value)
            try read.verify(key: key.publicKey)
            let t2 = ContinuousClock.now
            proofSeconds.append((t1 - t0).secondsValue)
            verifySeconds.append((t2 - t1).secondsValue)
            sizes.append(Double(bytes.count))
        }
        let build = median(builds)
        print(String(format: "%@: tree built in %.3f s median of %d (%.0f accounts/s), depth %d, RSS +%d MiB; "
                     + "proof (path + JSON) median %.3f ms, verification (parse, signature, path) median %.3f ms, "
                     + "proof size %.0f bytes; target ≤ 2 s for 2^20: %@",
                     label, build, builds.count, Double(accounts.count) / build, tree.depth,
                     Int((rss1 - min(rss0, rss1)) >> 20), median(proofSeconds) * 1e3, median(verifySeconds) * 1e3,
                     median(sizes), accounts.count >= 1 << 20 ? (build <= 2 ? "met" : "missed") : "n/a"))
    }

    private func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s[s.count / 2]
    }
}
