import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// An API body read by the engine's own journal decoder as an event of `type`, so the API and the journal accept
    /// the same fields: its exact decimals in the journal's form (``BodyShape/journalForm(_:)``, a JSON number
    /// becomes its literal's string), absent `defaults` added. Errors are 400s naming the field; a key of `required`
    /// that is absent is reported before the decoder runs.
    static func engineEvent(_ body: CheckedBody, type: String, required: [String] = [],
                            defaults: [(String, JSONValue)] = []) throws(APIError) -> EngineEvent {
        let node = body.node
        guard case .object(let given) = node.value else {
            throw APIError(.badRequest, "invalid_request", "\(node.path): an object is required", field: node.path)
        }
        for key in required where !given.contains(where: { $0.key == key }) {
            throw APIError(.badRequest, "invalid_request", "\(node.path).\(key): missing", field: "\(node.path).\(key)")
        }
        let journal = try StrictBody.decode { () throws(InputError) in try body.shape.journalForm(node) }
        var fields: [(key: String, value: JSONValue)] = []
        if case .object(let pairs) = journal { fields = pairs.filter { $0.key != "type" } }
        for (key, value) in defaults where !fields.contains(where: { $0.key == key }) {
            fields.append((key: key, value: value))
        }
        let typed = JSONNode(.object(fields + [(key: "type", value: .string(type))]), path: node.path)
        do {
            return try EngineEvent(json: typed)
        } catch {
            if case .invalid(let field, let reason) = error {
                let path = field.hasPrefix("$") ? field : "$.\(field)"
                throw APIError(.badRequest, "invalid_request", reason.hasPrefix(field) ? reason : "\(path): \(reason)",
                               field: path)
            }
            throw APIError(.badRequest, "invalid_request", error.description)
        }
    }

    /// One market update in the journal's `market` format (`market.json`'s underlying fields beside `underlying`
    /// and `time`), read by the engine's own decoder.
    static func marketUpdate(_ node: JSONNode) throws(APIError) -> MarketUpdate {
        let body = CheckedBody(node: node, shape: .marketUpdate)
        guard case .market(let update) = try engineEvent(body, type: "market", required: body.shape.requiredKeys) else {
            throw APIError(.badRequest, "invalid_request", "\(node.path): not a market update", field: node.path)
        }
        return update
    }
}
