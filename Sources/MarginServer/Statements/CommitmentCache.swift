import MarginApp
import MarginStatements

/// The service's latest signed commitment over every account (``EngineCommitment``: the root object and its tree,
/// for inclusion proofs), computed on demand and kept per journal sequence:
///
/// - a request at a sequence the latest commitment has reached is answered from it (repeated GETs while the engine
///   stands still cost nothing);
/// - otherwise one computation runs, and every request arriving meanwhile joins it: never more than one at a time,
///   whoever asks. A request that joined a computation begun before its own sequence waits for at most one more, so
///   it sees its own writes (a commitment at the sequence it read, or later) after at most two computations.
///
/// A failed computation (an account that cannot be committed, a full compute queue) is answered to everyone who
/// waited for it, and the next request tries again.
actor CommitmentCache {
    private var latest: EngineCommitment?
    private var running: Task<EngineCommitment, any Error>?
    /// Computations begun (tests: that repeated requests at one sequence reuse the cached one).
    private(set) var computations = 0

    /// The latest commitment, whatever its sequence (`nil` before the first).
    var cached: EngineCommitment? { latest }

    /// A commitment at journal `sequence` or later: the cached one when it has reached `sequence`, else the
    /// running computation's or a new one's (`make`, which reads the engine's durable state when it starts).
    func commitment(atLeast sequence: UInt64,
                    make: @escaping @Sendable () async throws -> EngineCommitment) async throws -> EngineCommitment {
        // Bounded: a second computation waited for began after `sequence` was read, so it has reached it.
        var waitedBefore = false
        while true {
            if let latest, latest.root.sequence >= sequence { return latest }
            let task: Task<EngineCommitment, any Error>
            if let running {
                task = running
            } else {
                task = Task { try await make() }
                running = task
                computations += 1
            }
            let result: EngineCommitment
            do { result = try await task.value } catch {
                if running == task { running = nil }
                throw error
            }
            if running == task { running = nil }
            if (latest?.root.sequence).map({ $0 < result.root.sequence }) ?? true { latest = result }
            if result.root.sequence >= sequence || waitedBefore { return result }
            waitedBefore = true
        }
    }
}
