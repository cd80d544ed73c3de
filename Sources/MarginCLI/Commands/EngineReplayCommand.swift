import ArgumentParser
import Foundation
import MarginApp
import MarginEngine
import MarginLedger

/// `margin engine replay`: rebuilds the state from the latest snapshot and the journal after it (read-only: no
/// writer lock, nothing created, a missing journal is an error), and prints a digest of every account's margin
/// (equal digests = bit-identical margins).
struct EngineReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild state from snapshot + journal and print a digest of all margins.")

    @OptionGroup var store: EngineStoreOptions
    @Flag(help: "Also print every account's equity, MM, IM and health.") var accounts = false

    func run() async throws {
        let replay: JournalReplay
        do {
            replay = try await JournalReplay.run(store.location, accounts: accounts)
        } catch {
            throw CommandFailure(message: "replay \(store.optionName) \(store.location): \(error)", exitCode: 1)
        }
        for line in replay.lines { print(line) }
    }
}
