import Foundation

/// The hand-written OpenAPI 3.1 document (`OpenAPI/openapi.json`, a resource of this target), served at
/// `GET /openapi.json`. `OpenAPITests` checks that its paths and methods are exactly the router's and that
/// responses validate against its schemas.
public enum OpenAPIDocument {
    public static let text: String = (try? BundledResource("openapi", "json").text()) ?? "{}"
}
