import HTTPTypes
import Synchronization

/// One route of the API: method, path (Hummingbird's `{name}` parameters, as the OpenAPI document writes them),
/// the scope it needs (`nil`: public), whether an owner's account binding applies (the account is the path's
/// `{id}` or the `account` query parameter), whether it is a heavy computation (rate-limit cost), and the shape of
/// its JSON body (`nil`: it takes none).
public struct RouteSpec: Hashable, Sendable {
    public var method: HTTPRequest.Method
    public var path: String
    public var scope: Scope?
    public var accountBound: Bool
    public var heavy: Bool
    /// The request body's one description: the strict check, the journal form and the OpenAPI request schema.
    var body: BodyShape?

    public init(_ method: HTTPRequest.Method, _ path: String, scope: Scope?, accountBound: Bool = false,
                heavy: Bool = false) {
        self.method = method
        self.path = path
        self.scope = scope
        self.accountBound = accountBound
        self.heavy = heavy
    }

    /// A route that takes a JSON body of `body`'s shape.
    init(_ method: HTTPRequest.Method, _ path: String, scope: Scope?, accountBound: Bool = false, heavy: Bool = false,
         body: BodyShape) {
        self.init(method, path, scope: scope, accountBound: accountBound, heavy: heavy)
        self.body = body
    }

    public var isWrite: Bool { method == .post || method == .put || method == .delete || method == .patch }
}

/// The routes as registered on the router (every registration goes through ``add(_:)``, so this table is the
/// router's): the gate finds a request's spec here, and the OpenAPI test compares it with the document.
public final class RouteTable: Sendable {
    private struct Key: Hashable {
        var method: HTTPRequest.Method
        var path: String
    }

    private let table = Mutex<(specs: [Key: RouteSpec], order: [RouteSpec])>(([:], []))

    public init() {}

    func add(_ spec: RouteSpec) {
        table.withLock { t in
            t.specs[Key(method: spec.method, path: spec.path)] = spec
            t.order.append(spec)
        }
    }

    /// The spec of a matched route (Hummingbird's endpoint path, e.g. `/v1/accounts/{id}`).
    func spec(method: HTTPRequest.Method, path: String) -> RouteSpec? {
        table.withLock { $0.specs[Key(method: method, path: path)] }
    }

    /// The methods of the routes whose path template (`{name}` matching one segment) matches `path`, sorted.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = table.withLock { t in
            t.order.filter { spec in
                let template = spec.path.split(separator: "/", omittingEmptySubsequences: false)
                return template.count == segments.count
                    && zip(template, segments).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && $0.hasSuffix("}")) }
            }
        }
        return Set(matching.map(\.method)).sorted { $0.rawValue < $1.rawValue }
    }

    /// Every route, in registration order.
    public var routes: [RouteSpec] { table.withLock { $0.order } }
}
