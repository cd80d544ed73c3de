import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginStorage

/// What one in-process stage measured (``BenchDurableTrades``).
struct BenchDurableTradesResult: Sendable {
    var submitters: Int
    var seconds: Double
    /// Trades acknowledged (durable and applied), and refused by the pre-trade rule (validated, nothing applied).
    var accepted: Int
    var rejected: Int
    /// Journal records written during the stage (trades, answers, health changes, follow-ups).
    var records: Int

    var acceptedPerSecond: Double { Double(accepted) / seconds }
    var tradesPerSecond: Double { Double(accepted + rejected) / seconds }
}

/// `margin-bench serve`'s in-process figure: durable trades per second through the engine (``RiskEngine/submit(_:)``
/// of ``TradeFlow``'s trades) on a SQLite journal (`synchronous=FULL`), from `submitters` concurrent tasks, each
/// submitting its next trade once the previous one is acknowledged: group commit gathers the waiting ones into one
/// append. No HTTP: what the engine and the journal sustain.
enum BenchDurableTrades {
    static func run(genesis: EngineState, seed: UInt64, submitters: Int, seconds: Double,
                    directory: String) async throws -> BenchDurableTradesResult {
        let path = directory + "/inprocess-\(submitters).sqlite"
        let store = try SQLiteJournalStore(path: path)
        let engine = try await RiskEngine.open(store: store, genesis: genesis, snapshotGenesis: false)
        let flow = TradeFlow(state: genesis)
        let markets = await engine.markets
        let startSequence = await engine.sequence
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(seconds * 1_000))
        let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for s in 0..<submitters {
                group.addTask {
                    var rng = SplitMix64(seed: seed &+ UInt64(s) &* 7_919)
                    var accepted = 0
                    var rejected = 0
                    while ContinuousClock.now < deadline {
                        guard let trade = flow.trade(markets: markets, rng: &rng) else { break }
                        do {
                            try await engine.submit(trade)
                            accepted += 1
                        } catch {
                            guard let e = error as? EngineError, e.isRejection else { throw error }
                            rejected += 1
                        }
                    }
                    return (accepted, rejected)
                }
            }
            var total = (0, 0)
            for try await c in group { total = (total.0 + c.0, total.1 + c.1) }
            return total
        }
        let elapsed = (ContinuousClock.now - start).secondsValue
        let journaled = Int(await engine.sequence - startSequence)
        await engine.close()
        return BenchDurableTradesResult(submitters: submitters, seconds: elapsed, accepted: counts.0,
                                        rejected: counts.1, records: journaled)
    }
}
