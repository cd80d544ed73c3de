import ArgumentParser
import Foundation
import MarginApp
import MarginStatements

/// `margin verify FILE --jwk PUB`: checks a risk statement (signature, then every number of `result` recomputed from
/// the disclosed inputs), a commitment (signature) or an inclusion proof (signature, path, sums). Exit 0 valid,
/// 1 invalid (with the reason), 2 malformed input.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a risk statement, commitment or inclusion proof: exit 0 valid, 1 invalid, 2 malformed.")

    @Argument(help: "The statement, commitment or proof (JSON).") var file: String
    @Option(help: "The venue's public key (JWK, RFC 8037).") var jwk: String

    func run() throws {
        let key = try PublicKeyFile.load(jwk, option: "--jwk")
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CommandFailure(message: "\(file): cannot read: \(error)", exitCode: 2)
        }
        let outcome = StatementVerification.verify(text: text, key: key)
        for line in outcome.lines { print(line) }
        if outcome.exitCode != 0 { Foundation.exit(outcome.exitCode) }
    }
}

/// Reading a public JWK file given on the command line.
enum PublicKeyFile {
    static func load(_ path: String, option: String) throws -> PublicJWK {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CommandFailure(message: "\(option) \(path): cannot read: \(error)", exitCode: 2)
        }
        do { return try PublicJWK(jsonText: text) } catch {
            throw CommandFailure(message: "\(option) \(path): \(error)", exitCode: 2)
        }
    }
}
