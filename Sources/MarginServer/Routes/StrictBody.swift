import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger

/// The shape of a strict API body: every object's keys must be known (unlike market and portfolio files, API
/// bodies are strict), so that a misspelt field is a 400 naming it instead of being silently ignored.
indirect enum BodyShape: Sendable {
    /// An object with these keys and their shapes (absent keys are the decoders' business).
    case object([String: BodyShape])
    case array(BodyShape)
    /// A string, number, boolean or null (types are the decoders' business).
    case scalar
    /// Checked by its own decoder (e.g. the parameter file, already strict).
    case any

    /// Throws for the first unknown key, naming its JSON path.
    func check(_ node: JSONNode) throws(InputError) {
        switch self {
        case .object(let fields):
            try node.rejectUnknownKeys(Array(fields.keys))
            for (key, child) in try node.object() { try fields[key]?.check(child) }
        case .array(let element):
            guard case .array = node.value else { return }
            for child in try node.array() { try element.check(child) }
        case .scalar, .any:
            return
        }
    }

    // MARK: The API's shapes

    static let transfer = BodyShape.object(["account": .scalar, "currency": .scalar, "amount": .scalar])
    static let key = BodyShape.object(["role": .scalar, "account": .scalar])
    static let forwards = BodyShape.array(.object(["expiry": .scalar, "price": .scalar]))
    static let volSurface = BodyShape.array(.object([
        "expiry": .scalar, "points": .array(.object(["strike": .scalar, "iv": .scalar])),
    ]))
    static let marketUpdate = BodyShape.object([
        "underlying": .scalar, "time": .scalar, "index": .scalar, "rate": .scalar, "forwards": forwards,
        "perpetualPrice": .scalar, "volSurface": volSurface,
    ])
    static let marketBatch = BodyShape.object(["updates": .array(marketUpdate)])
    /// A trade-file leg: a portfolio position (instrument fields, size, entry price) and an option's premium.
    static let leg = BodyShape.object([
        "kind": .scalar, "underlying": .scalar, "settlement": .scalar, "expiry": .scalar, "strike": .scalar,
        "right": .scalar, "quantity": .scalar, "notionalUSD": .scalar, "entryPrice": .scalar, "price": .scalar,
    ])
    static let legs = BodyShape.array(leg)
    /// A two-sided trade (the journal's `trade` event; fees default to 0 in USD).
    static let trade = BodyShape.object([
        "buyer": .scalar, "seller": .scalar, "instrument": .scalar, "quantity": .scalar, "price": .scalar,
        "buyerFee": .scalar, "sellerFee": .scalar, "feeCurrency": .scalar,
    ])
    static let bookLevel = BodyShape.object(["price": .scalar, "size": .scalar, "account": .scalar])
    /// One instrument's whole ladder (the journal's `book` event), replacing the previous one.
    static let book = BodyShape.object(["instrument": .scalar, "bids": .array(bookLevel), "asks": .array(bookLevel)])
    static let legsObject = BodyShape.object(["positions": .array(leg)])
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

    /// An exact decimal from a JSON number (its literal, so no binary rounding) or a decimal string.
    static func decimal(_ node: JSONNode) throws(InputError) -> Decimal {
        let text: String
        switch node.value {
        case .number(_, let literal): text = literal
        case .string(let s): text = s
        default: throw InputError.wrongType(path: node.path, expected: "a decimal number or string", found: node.value.typeName)
        }
        guard let d = Money.parse(text) else {
            throw InputError.invalid(path: node.path, reason: "\"\(text)\" is not a decimal number")
        }
        return d
    }

    /// A required string field.
    static func string(_ node: JSONNode, _ key: String) throws(InputError) -> String {
        try node.required(key).string()
    }
}
