import Foundation
import HTTPTypes
import MarginServer
import Testing

/// The OpenAPI document served at `/openapi.json` matches the server: every registered route is documented (same
/// method and path template) and every documented operation is registered; every operation is secured or
/// explicitly public as the route is; every `$ref` resolves.
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
}
