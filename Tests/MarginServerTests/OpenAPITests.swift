import Foundation
import HTTPTypes
import MarginCore
@testable import MarginServer
import Testing

/// The OpenAPI document served at `/openapi.json` matches the server: every registered route is documented (same
/// method and path template) and every documented operation is registered; every operation is secured or
/// explicitly public as the route is; every `$ref` resolves. Every route's body shape (``RouteSpec/body``) is its
/// operation's request schema, and every field the shape requires is one its decoder requires.
@Suite struct OpenAPITests {
    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let r = try await c.call(.get, "/openapi.json", key: nil)
            let doc = try #require(r.json)
            #expect(doc["openapi"] as? String == "3.1.0")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            var documented: [String: Bool] = [:]  // "METHOD path" → public (security: [])
            for (path, item) in paths {
                for (method, op) in item where ["get", "post", "put", "delete", "patch"].contains(method) {
                    let security = (op as? [String: Any])?["security"] as? [Any]
                    documented["\(method.uppercased()) \(path)"] = security?.isEmpty == true
                }
            }
            var registered: [String: Bool] = [:]
            for spec in f.server.routes.routes { registered["\(spec.method.rawValue) \(spec.path)"] = spec.scope == nil }
            #expect(Set(documented.keys) == Set(registered.keys),
                    "undocumented: \(Set(registered.keys).subtracting(documented.keys).sorted()); not registered: \(Set(documented.keys).subtracting(registered.keys).sorted())")
            for (route, isPublic) in registered { #expect(documented[route] == isPublic, "\(route): public \(isPublic)") }
            // Every $ref points into the document.
            let components = try #require(doc["components"] as? [String: [String: Any]])
            func refs(_ value: Any) -> [String] {
                if let d = value as? [String: Any] {
                    return (d["$ref"] as? String).map { [$0] } ?? d.values.flatMap(refs)
                }
                if let a = value as? [Any] { return a.flatMap(refs) }
                return []
            }
            for ref in refs(doc) {
                let parts = ref.split(separator: "/").map(String.init)
                #expect(parts.count == 4 && parts[0] == "#" && components[parts[2]]?[parts[3]] != nil, "\(ref)")
            }
        }
    }

    /// The document's operation of `spec`, and its JSON request body's schema and example (if any).
    private static func requestBody(of spec: RouteSpec, in doc: [String: Any]) -> (schema: Any?, example: Any?) {
        let paths = doc["paths"] as? [String: [String: Any]]
        let operation = paths?[spec.path]?[spec.method.rawValue.lowercased()] as? [String: Any]
        let content = (operation?["requestBody"] as? [String: Any])?["content"] as? [String: Any]
        let json = content?["application/json"] as? [String: Any]
        return (json?["schema"], json?["example"])
    }

    /// Property names, required lists, strictness, JSON types and nesting of every route's body shape equal its
    /// documented request schema; a route without a body documents none.
    @Test func everyRouteBodyIsItsDocumentedRequestSchema() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let doc = try #require(try await c.call(.get, "/openapi.json", key: nil).json)
            let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let routes = f.server.routes.routes
            #expect(routes.contains { $0.body != nil })
            for spec in routes {
                let route = "\(spec.method.rawValue) \(spec.path)"
                let documented = Self.requestBody(of: spec, in: doc).schema
                guard let shape = spec.body, let documented else {
                    #expect(spec.body == nil && documented == nil,
                            "\(route): body shape \(spec.body != nil), documented body \(documented != nil)")
                    continue
                }
                let differences = RequestSchema(shape).differences(from: try RequestSchema(document: documented,
                                                                                         schemas: schemas))
                #expect(differences.isEmpty, "\(route): \(differences.joined(separator: "; "))")
            }
        }
    }

    /// A body that lacks one field its shape requires (the documented example without it) is a 400 naming that
    /// field: the decoders require what the shape (and so the document) says.
    @Test func everyRequiredFieldIsRequiredByItsDecoder() async throws {
        let f = try await ServerFixture.open()
        let account = await f.account(0)
        try await f.run { c in
            let doc = try #require(try await c.call(.get, "/openapi.json", key: nil).json)
            for spec in f.server.routes.routes {
                guard let shape = spec.body, shape != .any else { continue }
                guard let example = Self.requestBody(of: spec, in: doc).example as? [String: Any] else {
                    Issue.record("\(spec.method) \(spec.path): no example object documented")
                    continue
                }
                let text = String(decoding: try JSONSerialization.data(withJSONObject: example), as: UTF8.self)
                let node = try JSONNode.parse(text)
                var fitting = shape
                if case .oneOf(let alternatives) = shape {
                    fitting = try #require(BodyShape.alternative(of: alternatives, for: node))
                }
                let path = spec.path.replacingOccurrences(of: "{id}", with: account)
                for key in fitting.requiredKeys {
                    var body = example
                    body[key] = nil
                    let bytes = try JSONSerialization.data(withJSONObject: body, options: .sortedKeys)
                    let r = try await c.call(spec.method, path, body: String(decoding: bytes, as: UTF8.self))
                    let call = "\(spec.method) \(path) without \(key)"
                    #expect(r.status == .badRequest, "\(call): \(r.status.code) \(r.text)")
                    #expect(r.json?["field"] as? String == "$.\(key)", "\(call): \(r.text)")
                }
            }
        }
    }
}
