import Foundation
import MarginCore

/// The shape of an API request body: the one description of each body, from which follow the strict key check
/// (every object's keys must be known, so that a misspelt field is a 400 naming it instead of being silently
/// ignored: unlike market and portfolio files, API bodies are strict), the journal form of its exact decimals, and
/// the OpenAPI document's request schemas (`OpenAPITests` fails on any difference of property names, required
/// lists, JSON types or nesting).
///
/// Types and absent required fields are still reported by the decoders (the engine's journal decoder, the core's
/// file decoders), whose messages name the JSON path; the shape says what they accept.
indirect enum BodyShape: Hashable, Sendable {
    /// An object with exactly these fields (no other key is accepted).
    case object([BodyField])
    case array(BodyShape)
    case value(BodyValue)
    /// One of these bodies: the first whose JSON kind fits and whose required keys are all present, else the last
    /// (so a body missing its required keys is checked, and reported, as the last alternative).
    case oneOf([BodyShape])
    /// Checked by its own decoder (e.g. the parameter file, already strict).
    case any

    /// The names of the object's required fields (none for other shapes).
    var requiredKeys: [String] {
        guard case .object(let fields) = self else { return [] }
        return fields.filter(\.isRequired).map(\.name)
    }

    /// Throws for the first unknown key, naming its JSON path.
    func check(_ node: JSONNode) throws(InputError) {
        switch self {
        case .object(let fields):
            try node.rejectUnknownKeys(fields.map(\.name))
            for (key, child) in try node.object() { try Self.field(key, of: fields)?.check(child) }
        case .array(let element):
            guard case .array = node.value else { return }
            for child in try node.array() { try element.check(child) }
        case .oneOf(let alternatives):
            try Self.alternative(of: alternatives, for: node)?.check(node)
        case .value, .any:
            return
        }
    }

    /// The body as the journal writes it: every exact decimal given as a JSON number becomes its literal's string
    /// (no binary rounding); everything else is unchanged (its type is its decoder's business).
    ///
    /// - Throws: ``InputError/wrongType(path:expected:found:)`` for a decimal that is neither a number nor a string.
    func journalForm(_ node: JSONNode) throws(InputError) -> JSONValue {
        switch (self, node.value) {
        case (.value(.decimal), .number(_, let literal)):
            return .string(literal)
        case (.value(.decimal), .string), (.value(.decimal), .null):
            return node.value
        case (.value(.decimal), let other):
            throw InputError.wrongType(path: node.path, expected: "a decimal number or string", found: other.typeName)
        case (.object(let fields), .object):
            var pairs: [(key: String, value: JSONValue)] = []
            for (key, child) in try node.object() {
                pairs.append((key: key, value: try Self.field(key, of: fields)?.journalForm(child) ?? child.value))
            }
            return .object(pairs)
        case (.array(let element), .array):
            var items: [JSONValue] = []
            for child in try node.array() { items.append(try element.journalForm(child)) }
            return .array(items)
        case (.oneOf(let alternatives), _):
            return try Self.alternative(of: alternatives, for: node)?.journalForm(node) ?? node.value
        default:
            return node.value
        }
    }

    /// The shape of the field `key` among `fields` (`nil`: not one of them).
    private static func field(_ key: String, of fields: [BodyField]) -> BodyShape? {
        fields.first(where: { $0.name == key })?.shape
    }

    /// The alternative of a ``oneOf(_:)`` that describes `node`.
    static func alternative(of alternatives: [BodyShape], for node: JSONNode) -> BodyShape? {
        alternatives.first { $0.fits(node) } ?? alternatives.last
    }

    /// Whether `node` has this shape's JSON kind and, for an object, every required key.
    private func fits(_ node: JSONNode) -> Bool {
        switch (self, node.value) {
        case (.object, .object(let pairs)):
            return requiredKeys.allSatisfy { key in pairs.contains { $0.key == key } }
        case (.array, .array), (.any, _):
            return true
        default:
            return false
        }
    }
}

/// One field of an object body: its name, its shape and whether it is required.
struct BodyField: Hashable, Sendable {
    var name: String
    var shape: BodyShape
    var isRequired: Bool

    static func required(_ name: String, _ shape: BodyShape) -> BodyField {
        BodyField(name: name, shape: shape, isRequired: true)
    }

    static func optional(_ name: String, _ shape: BodyShape) -> BodyField {
        BodyField(name: name, shape: shape, isRequired: false)
    }
}

/// The JSON type of a body's scalar field.
enum BodyValue: Hashable, Sendable {
    case string
    /// An ISO-8601 instant (a string, OpenAPI's `format: date-time`).
    case instant
    case number
    case integer
    case boolean
    /// An exact decimal: a decimal string (`"100.25"`) or a JSON number, read from its literal.
    case decimal
}
