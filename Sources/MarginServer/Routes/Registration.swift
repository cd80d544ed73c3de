import Hummingbird

extension MarginServer {
    /// Registers a route on the router and in ``routes`` (the gate's and the OpenAPI test's table) at once.
    func route(_ router: Router<Context>, _ spec: RouteSpec,
               _ handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        routes.add(spec)
        router.on(RouterPath(spec.path), method: spec.method, use: handler)
    }
}
