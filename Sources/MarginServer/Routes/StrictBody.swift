import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger

/// A request body that passed its shape's strict key check (``BodyShape/check(_:)``), with that shape.
struct CheckedBody: Sendable {
    var node: JSONNode
    var shape: BodyShape
}

/// Decoding request bodies with the core's strict parser: errors are ``APIError``s (400) naming the JSON path.
enum StrictBody {
    /// Parses `bytes` as JSON and checks it against `shape`.
    static func parse(_ bytes: [UInt8], shape: BodyShape) throws(APIError) -> JSONNode {
        guard !bytes.isEmpty else {
            throw APIError(.badRequest, "invalid_request", "$: a JSON body is required", field: "$")
        }
        do {
            let node = try JSONNode.parse(bytes)
            try shape.check(node)
            return node
        } catch {
            throw APIError.badRequest(error)
        }
    }

    /// Runs a core decoder, mapping its ``InputError`` to a 400.
    static func decode<T>(_ body: () throws(InputError) -> T) throws(APIError) -> T {
        do { return try body() } catch { throw APIError.badRequest(error) }
    }
}
