import Foundation
import MarginCore
import MarginStatements

/// `margin verify`: what a file is (a risk statement, a commitment or an inclusion proof) and whether it verifies
/// against the venue's public key; exit status 0 valid, 1 invalid (with the reason), 2 malformed input.
public struct StatementVerification: Sendable {
    /// `riskStatement`, `riskCommitment` or `inclusionProof` (empty when unreadable).
    public var kind: String
    /// `nil` when valid; else why, naming the field.
    public var failure: StatementError?
    /// What was verified (account, sequence, figures), for the report.
    public var summary: [String]

    public var exitCode: Int32 {
        guard let failure else { return 0 }
        return failure.isMalformed ? 2 : 1
    }

    /// The lines to print: `valid riskStatement: …` or `invalid …: <path>: <reason>`.
    public var lines: [String] {
        guard let failure else { return ["valid \(kind)"] + summary.map { "  " + $0 } }
        return [(failure.isMalformed ? "malformed " : "invalid ") + (kind.isEmpty ? "input" : kind) + ": \(failure)"]
    }

    /// Verifies the JSON `text` against `key`.
    public static func verify(text: String, key: PublicJWK) -> StatementVerification {
        let value: JSONValue
        do { value = try JSONNode.parse(text).value } catch {
            return StatementVerification(kind: "", failure: .malformed(path: "$", reason: "not JSON: \(error)"), summary: [])
        }
        guard case .object(let pairs) = value, case .string(let kind)? = pairs.first(where: { $0.key == "type" })?.value else {
            return StatementVerification(kind: "", failure: .malformed(path: "$.type", reason: "missing: not a statement, commitment or proof"), summary: [])
        }
        do {
            switch kind {
            case "riskStatement":
                let s = try RiskStatement.verify(value, key: key)
                return StatementVerification(kind: kind, failure: nil, summary: [
                    "venue \(s.venue), account \(s.account), sequence \(s.sequence), valued at \(s.valuationTime)",
                    "recomputed: equity \(money(s.equity)), maintenance margin \(money(s.maintenanceMargin)), "
                        + "initial margin \(money(s.initialMargin)) USD",
                ])
            case "riskCommitment":
                let c = try RiskCommitment.verify(value, key: key)
                return StatementVerification(kind: kind, failure: nil, summary: commitmentSummary(c))
            case "inclusionProof":
                let proof = try InclusionProof(json: value)
                let c = try proof.verify(key: key)
                return StatementVerification(kind: kind, failure: nil, summary: [
                    "account \(proof.account) is leaf \(proof.index) of the commitment, with "
                        + zip(CommitmentColumns.names, proof.values.values).map { "\($0) \($1)" }.joined(separator: ", ")
                        + " (1e-6 USD)",
                ] + commitmentSummary(c))
            default:
                return StatementVerification(kind: "", failure: .malformed(path: "$.type", reason: "\"\(kind)\" is not riskStatement, riskCommitment or inclusionProof"), summary: [])
            }
        } catch {
            return StatementVerification(kind: kind, failure: error, summary: [])
        }
    }

    private static func commitmentSummary(_ c: RiskCommitment) -> [String] {
        ["venue \(c.venue), sequence \(c.sequence), valued at \(c.valuationTime): \(c.accounts) accounts, depth \(c.depth)",
         "root \(Hex.encode(c.root))",
         "totals (1e-6 USD): " + zip(CommitmentColumns.names, c.totals.values).map { "\($0) \($1)" }.joined(separator: ", ")]
    }

    private static func money(_ x: Double) -> String { String(format: "%.2f", x) }
}
