import MarginLedger
import Foundation
import Synchronization

/// What the engine has done since it opened, by outcome: business rejections and storage faults apart.
public struct EngineCounters: Hashable, Sendable {
    /// Events acknowledged (submitted, durable and applied; health events and follow-ups excluded).
    public var acknowledged = 0
    /// Events (and market updates of a batch) rejected by validation: nothing changed.
    public var rejected = 0
    /// Events the engine journaled itself after others (follow-ups: correlation tables, liquidation actions).
    public var followUps = 0
    /// Follow-ups the engine's own validation refused (a planner bug: dropped, the source re-planned or skipped
    /// for the rest of the turn; never a client's rejection).
    public var followUpRejections = 0
    /// Events not acknowledged because of a storage fault (their append failed, or they were refused while the
    /// engine was faulted or stopped).
    public var storageFaults = 0
    /// Storage faults entered (each failed append that put a ready engine in the faulted state).
    public var faults = 0
    /// Faults recovered from (the journal took the batch again).
    public var recoveries = 0

    public init() {}
}

extension RiskEngine {
    /// The engine's status, from any thread without waiting for the engine (a readiness probe's answer).
    public nonisolated var status: EngineStatus { board.withLock { $0.status } }

    /// The engine's counters, from any thread.
    public nonisolated var counters: EngineCounters { board.withLock { $0.counters } }

    func setStatus(_ status: EngineStatus) { board.withLock { $0.status = status } }

    func count(_ change: (inout EngineCounters) -> Void) { board.withLock { change(&$0.counters) } }

    /// Fails fast unless the engine acknowledges events (counted as a storage fault).
    func checkAccepting() throws(EngineError) {
        let refusal: EngineError
        switch status {
        case .ready: return
        case .recovering: refusal = .storage("the engine is recovering")
        case .faulted(let fault): refusal = .storage("the engine is faulted, not acknowledging: \(fault.reason)")
        case .stopped(let fault?): refusal = .storage("the engine stopped on a storage fault: \(fault.reason)")
        case .stopped(nil): refusal = .storage("the engine is closed")
        }
        count { $0.storageFaults += 1 }
        throw refusal
    }

    /// Appends `records` (one batch continuing the journal), returning once they are durable.
    ///
    /// When the append fails the engine is ``EngineStatus/faulted(_:)`` and, per ``faultPolicy``:
    /// - ``StorageFaultPolicy/retry(_:)``: waits (exponential backoff), reads the journal's last sequence and
    ///   - if it ends at the batch's last record and holds the batch there, the failed append had committed (an
    ///     ambiguous commit): done;
    ///   - if it ends where the batch starts, appends the batch again (done when that succeeds);
    ///   - anything else (or ``EngineError/journalInUse(_:)``: another writer took the journal) is fatal;
    ///   a failing read or append is the next retry's business. Back to ``EngineStatus/ready`` when done.
    /// - ``StorageFaultPolicy/stop``: reads the last sequence once (to tell the submitter whether the batch is in
    ///   the journal anyway) and stops.
    ///
    /// Runs inside the caller's turn, so nothing else is journaled meanwhile. Ignores task cancellation (an
    /// abandoned retry would leave the state and the journal undecided); ``close()`` interrupts it.
    ///
    /// - Throws: the store's last error (``EngineError/storage(_:)`` or `journalInUse`) when the engine stopped
    ///   without the batch being known to be durable: not acknowledged.
    func makeDurable(_ records: [JournalRecord]) async throws(EngineError) {
        guard let first = records.first, let last = records.last else { return }
        do {
            try await store.append(records)
            return
        } catch {
            try await resolveFailedAppend(records, before: first.sequence - 1, last: last.sequence, failure: error)
        }
    }

    /// ``makeDurable(_:)`` for a batch committed ahead of its append (group commit): `rollingBack` runs as soon as
    /// the first attempt fails, so that while the engine is faulted reads see the last durable state; `recommitting`
    /// runs once a retry (or the ambiguous commit's check) found the batch durable. When it throws, the engine is
    /// stopped and stays rolled back.
    func makeDurable(_ records: [JournalRecord], rollingBack: () -> Void,
                     recommitting: () -> Void) async throws(EngineError) {
        guard let first = records.first, let last = records.last else { return }
        do {
            try await store.append(records)
            return
        } catch {
            rollingBack()
            try await resolveFailedAppend(records, before: first.sequence - 1, last: last.sequence, failure: error)
            recommitting()
        }
    }

    private func resolveFailedAppend(_ records: [JournalRecord], before: UInt64, last: UInt64,
                                     failure: EngineError) async throws(EngineError) {
        var fault = StorageFault(reason: failure.reason)
        var latest = failure
        count { $0.faults += 1 }
        setStatus(.faulted(fault))
        refuseWaitingSubmits(fault)
        if case .journalInUse = failure { throw stop(fault, failure) }
        guard case .retry(let backoff) = faultPolicy else {
            if let end = try? await store.lastSequence(), end == last,
               (try? await store.records(after: before, limit: records.count)) == records {
                _ = stop(fault, failure)
                return
            }
            throw stop(fault, failure)
        }
        var attempt = 0
        while true {
            if let limit = backoff.attempts, attempt >= limit {
                fault.reason += " (gave up after \(attempt) retries)"
                throw stop(fault, latest)
            }
            attempt += 1
            await pause(backoff.delay(attempt: attempt))
            if closing {
                fault.reason += " (closed while faulted)"
                throw stop(fault, latest)
            }
            fault.attempts = attempt
            let end: UInt64
            do {
                end = try await store.lastSequence()
            } catch {
                latest = error
                fault.reason = error.reason
                if case .journalInUse = error { throw stop(fault, error) }
                setStatus(.faulted(fault))
                continue
            }
            if end == last {
                // The failed append had committed, unless someone else wrote records with those sequences.
                do throws(EngineError) {
                    guard try await store.records(after: before, limit: records.count) == records else {
                        fault.reason = "the journal holds other records at \(before + 1)...\(last): written by another writer?"
                        throw stop(fault, .storage(fault.reason))
                    }
                } catch {
                    if case .stopped = status { throw error }
                    latest = error
                    fault.reason = error.reason
                    setStatus(.faulted(fault))
                    continue
                }
                resume()
                return
            }
            guard end == before else {
                fault.reason = "the journal ends at \(end), expected \(before) or \(last): written by another writer?"
                throw stop(fault, .storage(fault.reason))
            }
            do {
                try await store.append(records)
                resume()
                return
            } catch {
                latest = error
                fault.reason = error.reason
                if case .journalInUse = error { throw stop(fault, error) }
                setStatus(.faulted(fault))
            }
        }
    }

    /// Back to ready after a fault.
    private func resume() {
        count { $0.recoveries += 1 }
        setStatus(.ready)
    }

    /// Stops for good on `fault`: ends the market loop, keeps subscriptions (``close()`` ends them). Returns
    /// `error` for the submitter.
    private func stop(_ fault: StorageFault, _ error: EngineError) -> EngineError {
        setStatus(.stopped(fault))
        conflator.finish()
        return error
    }

    /// Waits `duration` in slices of at most 20 ms (so that ``close()`` interrupts it), ignoring cancellation.
    private func pause(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while !closing {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            let slice = min(left, .milliseconds(20))
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + slice.seconds) { c.resume() }
            }
        }
    }
}
