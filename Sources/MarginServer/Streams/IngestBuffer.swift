import MarginLedger
import Synchronization

/// The trades an ingest connection has read and not yet submitted (``MarginServer/addIngestRoutes(_:)``): the
/// reader appends what each frame holds, the submitter takes everything waiting (at most ``batch`` trades) each time
/// its previous submission is acknowledged, so a connection's trades join the engine's group commit in as few
/// submissions as the journal's pace allows. Bounded: more than ``capacity`` trades waiting is a slow engine (or a
/// client that does not read its acknowledgements) and refuses the frame.
final class IngestBuffer: Sendable {
    /// Trades waiting at most.
    static let capacity = 20_000
    /// Trades per submission at most.
    static let batch = 1_000

    private let state = Mutex<(trades: [(id: String, event: EngineEvent)], finished: Bool)>(([], false))
    private let wake: AsyncStream<Void>.Continuation
    /// One element whenever trades were added (or the reader finished); conflated.
    let wakeups: AsyncStream<Void>

    init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds a frame's trades, or returns `false` (nothing added) when that would exceed ``capacity``.
    func add(_ trades: [(id: String, event: EngineEvent)]) -> Bool {
        let added = state.withLock { s -> Bool in
            guard s.trades.count + trades.count <= Self.capacity else { return false }
            s.trades += trades
            return true
        }
        if added { wake.yield() }
        return added
    }

    /// Takes up to ``batch`` waiting trades, oldest first.
    func take() -> [(id: String, event: EngineEvent)] {
        state.withLock { s in
            let n = min(s.trades.count, Self.batch)
            let taken = Array(s.trades.prefix(n))
            s.trades.removeFirst(n)
            return taken
        }
    }

    /// The reader is done: the submitter drains what is waiting, then stops.
    func finish() {
        state.withLock { $0.finished = true }
        wake.yield()
        wake.finish()
    }

    var isFinished: Bool { state.withLock { $0.finished } }
}
