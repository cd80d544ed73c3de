import Foundation
import MarginCore
import MarginEngine
import MarginLedger

/// `margin engine replay`: the state rebuilt from a journal's latest snapshot and the records after it, read-only,
/// and a digest of every account's margin (equal digests = bit-identical margins).
public struct JournalReplay: Sendable {
    /// The last applied sequence.
    public var sequence: UInt64
    public var accountCount: Int
    public var healthCounts: [Health: Int]
    /// ``RiskEngine/marginDigest``, and the state's half of ``RiskEngine/digest``.
    public var marginDigest: String
    public var stateDigest: String
    /// Seconds to open and rebuild.
    public var seconds: Double
    /// Every account's margin, by name (when asked for).
    public var margins: [(account: String, margin: AccountMargin)]
    /// The journal's records by event kind, from sequence 1 (snapshots count nothing).
    public var events: JournalCensus

    /// Opens `location` read-only (no writer lock: it runs beside a live engine; a missing journal is an error
    /// and creates nothing) and rebuilds the engine from it.
    public static func run(_ location: JournalLocation, accounts: Bool = false) async throws(EngineError) -> JournalReplay {
        let start = ContinuousClock.now
        let store = try await location.openForReading()
        let engine = try await RiskEngine.open(store: store, snapshotGenesis: false, faultPolicy: .stop)
        let events: JournalCensus
        do { events = try await JournalCensus.count(store) } catch {
            await engine.close()
            throw error
        }
        let digest = await engine.digest
        var margins: [(account: String, margin: AccountMargin)] = []
        if accounts { margins = await engine.margins.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        let replay = JournalReplay(sequence: await engine.sequence, accountCount: await engine.state.accounts.count,
                                   healthCounts: await engine.healthCounts, marginDigest: String(digest.prefix(16)),
                                   stateDigest: String(digest.suffix(16)),
                                   seconds: (ContinuousClock.now - start).secondsValue, margins: margins,
                                   events: events)
        await engine.close()
        return replay
    }

    /// The lines `margin engine replay` prints: per account (when asked for), then the sequence and health
    /// counts, the journal's events by kind (``JournalCensus/line``), `margin digest X  state digest Y`, and the
    /// time taken.
    public var lines: [String] {
        var out = margins.map { name, m in
            "\(name)\tequity=\(m.equity)\tMM=\(m.maintenanceMargin)\tIM=\(m.initialMargin)\t\(m.health.rawValue)"
        }
        let byHealth = Health.allCases.map { "\($0.rawValue)=\(healthCounts[$0] ?? 0)" }.joined(separator: " ")
        out.append("sequence \(sequence)  accounts \(accountCount)  \(byHealth)")
        out.append(events.line)
        out.append("margin digest \(marginDigest)  state digest \(stateDigest)")
        out.append(String(format: "rebuilt in %.3f s", seconds))
        return out
    }
}
