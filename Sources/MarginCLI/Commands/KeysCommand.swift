import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginStatements

/// `margin keys generate --out FILE`: a venue signing key (Ed25519) with its commitment secret, in `FILE` (mode 0600,
/// never printed), and its public JWK in `FILE.jwk.json`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Venue signing keys for risk statements and commitments.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Create a venue key file (mode 0600) and its public JWK (FILE.jwk.json); never overwrites.")

        @Option(help: "The private key file to create.") var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CommandFailure(message: "--out \(out): exists; a key is never overwritten", exitCode: 2)
            }
            let key = VenueKey.generate()
            do { try key.write(to: out) } catch { throw CommandFailure(message: "--out \(error)", exitCode: 1) }
            print("venue key \(out) (mode 0600), public key \(VenueKey.publicPath(of: out)) (kid \(key.publicKey.kid))")
        }
    }
}

/// The options of every command that signs: the venue key file (created when absent) and the venue's name.
struct SigningOptions: ParsableArguments {
    @Option(help: "Venue key file (created with mode 0600, with FILE.jwk.json, when absent).") var key: String
    @Option(help: "The venue's name in what is signed.") var venue: String = VenueStatements.defaultVenue

    func load() throws -> VenueKey {
        do {
            let (key, created) = try VenueKey.loadOrCreate(self.key)
            if created {
                printError("created venue key \(self.key) (mode 0600); public key \(VenueKey.publicPath(of: self.key))")
            }
            return key
        } catch {
            throw CommandFailure(message: "--key \(error)", exitCode: 2)
        }
    }
}

/// Where a command's JSON goes: standard output, or `--out FILE`.
struct JSONOutputOptions: ParsableArguments {
    @Option(help: "Write the JSON to this file instead of standard output.") var out: String?

    /// Prints or writes `value`'s RFC 8785 text (the bytes that are signed).
    func emit(_ value: JSONValue) throws {
        let text: String
        do { text = try CanonicalJSON.text(value) } catch { throw CommandFailure(message: "\(error)", exitCode: 1) }
        guard let out else {
            print(text)
            return
        }
        do { try (text + "\n").write(toFile: out, atomically: true, encoding: .utf8) } catch {
            throw CommandFailure(message: "--out \(out): \(error)", exitCode: 1)
        }
    }
}
