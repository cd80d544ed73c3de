import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginSimulation

/// `margin engine replay`: rebuilds the state from the latest snapshot and the journal after it, and prints a
/// digest of every account's margin (equal digests = bit-identical margins).
struct EngineReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild state from snapshot + journal and print a digest of all margins.")

    @OptionGroup var store: EngineStoreOptions
    @Flag(help: "Also print every account's equity, MM, IM and health.") var accounts = false

    func run() throws {
        let start = ContinuousClock.now
        let journal = try store.open()
        let engine: EngineCore
        do { engine = try EngineCore(store: journal) } catch {
            throw CommandFailure(message: "replay: \(error)", exitCode: 1)
        }
        let elapsed = ContinuousClock.now - start
        if accounts {
            for (name, m) in engine.margins.sorted(by: { $0.key < $1.key }) {
                print("\(name)\tequity=\(m.equity)\tMM=\(m.maintenanceMargin)\tIM=\(m.initialMargin)\t\(m.health.rawValue)")
            }
        }
        let counts = engine.healthCounts
        let byHealth = Health.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: " ")
        print("sequence \(engine.state.sequence)  accounts \(engine.state.accounts.count)  \(byHealth)")
        print("margin digest \(engine.marginDigest)  state digest \(engine.digest.suffix(16))")
        print(String(format: "rebuilt in %.3f s", Double(elapsed.components.seconds)
                     + Double(elapsed.components.attoseconds) * 1e-18))
    }
}
