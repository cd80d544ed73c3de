import Foundation
@testable import MarginServer

/// A request body's schema reduced to what a ``BodyShape`` says (field names, required fields, strictness, JSON
/// types, nesting), built from a shape or from an OpenAPI schema, so that the two can be compared.
indirect enum RequestSchema: Equatable, CustomStringConvertible {
    /// An object's fields, whether each is required, and whether other keys are refused.
    case object([String: Field], strict: Bool)
    case array(RequestSchema)
    /// `string`, `instant` (a date-time string), `number`, `integer`, `boolean` or `decimal` (a number or a string).
    case value(String)
    case oneOf([RequestSchema])
    /// Checked by its own decoder: no fields described.
    case any

    struct Field: Equatable {
        var schema: RequestSchema
        var isRequired: Bool
    }

    /// A schema the comparison cannot read.
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    init(_ shape: BodyShape) {
        switch shape {
        case .object(let fields):
            let pairs = fields.map { ($0.name, Field(schema: RequestSchema($0.shape), isRequired: $0.isRequired)) }
            self = .object(Dictionary(pairs, uniquingKeysWith: { first, _ in first }), strict: true)
        case .array(let element): self = .array(RequestSchema(element))
        case .value(let type): self = .value("\(type)")
        case .oneOf(let alternatives): self = .oneOf(alternatives.map(RequestSchema.init))
        case .any: self = .any
        }
    }

    /// The schema of an OpenAPI document's request body (`$ref`s resolved in `schemas`, the document's
    /// `components.schemas`). A `oneOf` of a number and a string is a decimal; an object without properties is
    /// `any`.
    init(document value: Any, schemas: [String: Any]) throws {
        guard var schema = value as? [String: Any] else { throw Unreadable(description: "not a schema: \(value)") }
        if let ref = schema["$ref"] as? String {
            let name = String(ref.split(separator: "/").last ?? "")
            guard ref == "#/components/schemas/\(name)", let target = schemas[name] as? [String: Any] else {
                throw Unreadable(description: "unresolved \(ref)")
            }
            schema = target
        }
        if let alternatives = schema["oneOf"] as? [Any] {
            let types = alternatives.compactMap { ($0 as? [String: Any])?["type"] as? String }
            if alternatives.count == 2, types.sorted() == ["number", "string"] {
                self = .value("decimal")
            } else {
                self = .oneOf(try alternatives.map { try RequestSchema(document: $0, schemas: schemas) })
            }
            return
        }
        switch schema["type"] as? String {
        case "object":
            guard let properties = schema["properties"] as? [String: Any] else {
                self = .any
                return
            }
            let required = Set(schema["required"] as? [String] ?? [])
            var fields: [String: Field] = [:]
            for (name, property) in properties {
                fields[name] = Field(schema: try RequestSchema(document: property, schemas: schemas),
                                     isRequired: required.contains(name))
            }
            for name in required where properties[name] == nil {
                throw Unreadable(description: "required \"\(name)\" is not a property")
            }
            self = .object(fields, strict: schema["additionalProperties"] as? Bool == false)
        case "array":
            self = .array(try RequestSchema(document: schema["items"] ?? [:], schemas: schemas))
        case "string":
            self = .value(schema["format"] as? String == "date-time" ? "instant" : "string")
        case let type? where ["number", "integer", "boolean"].contains(type):
            self = .value(type)
        default:
            throw Unreadable(description: "no type in \(schema)")
        }
    }

    /// The JSON kind: `object`, `array`, `value`, `oneOf` or `any`.
    var kind: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .value: return "value"
        case .oneOf: return "oneOf"
        case .any: return "any"
        }
    }

    var description: String {
        switch self {
        case .object(let fields, let strict):
            let list = fields.sorted { $0.key < $1.key }
                .map { "\($0.key)\($0.value.isRequired ? "" : "?"): \($0.value.schema)" }
            return "{\(list.joined(separator: ", "))\(strict ? "" : ", …")}"
        case .array(let element): return "[\(element)]"
        case .value(let type): return type
        case .oneOf(let alternatives): return "oneOf(\(alternatives.map(\.description).joined(separator: " | ")))"
        case .any: return "any"
        }
    }

    /// Every difference between this schema (the shape's) and `document`'s, each naming its JSON path (`[]` for
    /// an array's elements): fields missing on either side, required on one side only, strictness, types, nesting.
    /// `oneOf` alternatives are compared in any order (an unequal one against the closest).
    func differences(from document: RequestSchema, at path: String = "$") -> [String] {
        switch (self, document) {
        case (.object(let mine, let myStrictness), .object(let theirs, let theirStrictness)):
            var out: [String] = []
            if myStrictness != theirStrictness {
                out.append("\(path): strict \(myStrictness) in the shape, \(theirStrictness) in the document")
            }
            for name in Set(mine.keys).union(theirs.keys).sorted() {
                switch (mine[name], theirs[name]) {
                case (let m?, let t?):
                    if m.isRequired != t.isRequired {
                        out.append("\(path).\(name): required \(m.isRequired) in the shape, "
                                   + "\(t.isRequired) in the document")
                    }
                    out += m.schema.differences(from: t.schema, at: "\(path).\(name)")
                case (.some, nil): out.append("\(path).\(name): in the shape, not in the document")
                case (nil, .some): out.append("\(path).\(name): in the document, not in the shape")
                case (nil, nil): break
                }
            }
            return out
        case (.array(let mine), .array(let theirs)):
            return mine.differences(from: theirs, at: "\(path)[]")
        case (.oneOf(let mine), .oneOf(let theirs)):
            // Equal alternatives pair first; each other one is reported against the closest one left.
            var unmatched = theirs
            var different: [RequestSchema] = []
            for alternative in mine {
                if let i = unmatched.firstIndex(where: { alternative.differences(from: $0, at: path).isEmpty }) {
                    unmatched.remove(at: i)
                } else {
                    different.append(alternative)
                }
            }
            var out: [String] = []
            for alternative in different {
                let candidates = unmatched.indices.filter { unmatched[$0].kind == alternative.kind }
                    .map { ($0, alternative.differences(from: unmatched[$0], at: path)) }
                guard let closest = candidates.min(by: { $0.1.count < $1.1.count }) else {
                    out.append("\(path): the shape's alternative \(alternative) is not in the document")
                    continue
                }
                out += closest.1
                unmatched.remove(at: closest.0)
            }
            return out + unmatched.map { "\(path): the document's alternative \($0) is not in the shape" }
        case (.any, .any):
            return []
        case (.value(let mine), .value(let theirs)) where mine == theirs:
            return []
        default:
            return ["\(path): \(self) in the shape, \(document) in the document"]
        }
    }
}
