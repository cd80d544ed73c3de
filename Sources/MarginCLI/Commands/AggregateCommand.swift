import ArgumentParser
import Foundation
import MarginApp
import MarginCore
import MarginStatements

/// `margin aggregate S1 S2 … --jwk K1 --jwk K2 …`: net risk across venues from their signed statements.
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Verify statements from several venues and margin the union of their books: the capital netting frees.")

    @Argument(help: "Signed risk statements (JSON), one per venue.") var statements: [String]
    @Option(help: "The venues' public keys (JWK), matched to statements by key id.") var jwk: [String] = []
    @Option(help: "Market to value every book under (default: the statements' own, when within a minute).")
    var market: String?
    @Option(help: "Risk parameter file (default: the statements' own, when they agree).") var parameters: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        let keys = try jwk.map { try PublicKeyFile.load($0, option: "--jwk") }
        var values: [JSONValue] = []
        for path in statements {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw CommandFailure(message: "\(path): cannot read: \(error)", exitCode: 2)
            }
            do { values.append(try JSONNode.parse(text).value) } catch {
                throw CommandFailure(message: "\(path): not JSON: \(error)", exitCode: 2)
            }
        }
        let snapshot = try market.map { path in
            try InputFile.decode(path, option: "--market") { (n) throws(InputError) in try MarketSnapshot(json: n) }
        }
        let risk = try parameters.map { path in
            try InputFile.decode(path, option: "--parameters") { (n) throws(InputError) in try RiskParameters(json: n) }
        }
        let net: NetRisk
        do { net = try NetRisk.aggregate(statements: values, keys: keys, market: snapshot, parameters: risk) } catch {
            throw CommandFailure(message: error.description, exitCode: error.exitCode)
        }
        switch format {
        case .json: print(net.json.serialized())
        case .table: print(net.table())
        }
    }
}
