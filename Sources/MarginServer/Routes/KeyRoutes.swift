import Foundation
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger
import MarginStatements

extension MarginServer {
    /// `POST /v1/keys`, `GET /v1/keys`, `DELETE /v1/keys/{id}` (admins).
    func addKeyRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.post, "/v1/keys", scope: .keysReadWrite, body: .key)) { [self] request, context, body in
            let node = body.node
            let (role, account) = try StrictBody.decode { () throws(InputError) -> (Role, String?) in
                let role = try node.required("role").enumeration(Role.self)
                let account = try node.optional("account")?.string()
                if role == .owner, account == nil {
                    throw InputError.missing(path: "$.account")
                }
                if role != .owner, account != nil {
                    throw InputError.invalid(path: "$.account", reason: "only owner keys are bound to an account")
                }
                return (role, account)
            }
            // An owner key is bound to an account that exists (an id it could never read is refused).
            if let account, try await readyEngine().accountExists(account) == false {
                throw APIError(.unprocessableContent, "unknown_account",
                               "unknown account \"\(account)\": an owner key is only for an existing account",
                               field: "$.account")
            }
            let caller = try context.caller
            let id = APIKey.newID()
            let (key, secret) = APIKey.generate(id: id)
            let salt = APIKey.randomBytes(16)
            let record = APIKeyRecord(id: id, role: role.rawValue, account: account, salt: Hex.encode(salt),
                                      hash: Hex.encode(APIKey.hash(secret: secret, salt: salt)),
                                      createdBy: caller.keyID, created: Self.now())
            let sealer = keys.sealer
            let answer = WriteAnswer(acceptedStatus: .created, detail: sealer.seal(key)) { record in
                // The key is derived from the record (sealed), so a retry shows the same key.
                let key = record.detail.flatMap(sealer.open)
                let id = key.flatMap(APIKey.parse)?.id
                return [("id", id.map(JSONValue.string) ?? .null), ("key", key.map(JSONValue.string) ?? .null)]
            }
            let response = try await write(.frontEnd(record.frontEndRecord), request: request, context: context,
                                           answer: answer, check: { (records) throws(EngineError) in
                                               try record.validate()
                                               guard ServiceRecords.key(record.id, in: records) == nil else {
                                                   throw .invalid(field: "id", reason: "key \"\(record.id)\" exists")
                                               }
                                           })
            if let engine, let journaled = await engine.serviceKey(id) { keys.add(journaled) }
            return response
        }
        route(router, RouteSpec(.get, "/v1/keys", scope: .keysReadWrite)) { [self] _, _ in
            let engine = try readyEngine()
            let list = await engine.serviceKeys()
            return JSONResponse.make(.object([("items", .array(list.map(Self.keyJSON)))]))
        }
        route(router, RouteSpec(.delete, "/v1/keys/{id}", scope: .keysReadWrite)) { [self] request, context in
            let engine = try readyEngine()
            let id = try context.parameters.require("id")
            guard id != "admin" else {
                throw APIError(.conflict, "conflict",
                               "the admin key is the admin key file's: replace the file and restart to change it")
            }
            guard await engine.serviceKey(id) != nil else { throw APIError.notFound("unknown key \"\(id)\"") }
            let revocation = APIKeyRevocation(id: id, by: try context.caller.keyID, time: Self.now())
            let response = try await write(.frontEnd(revocation.frontEndRecord), request: request, context: context,
                                           check: { (records) throws(EngineError) in
                                               try revocation.validate()
                                               guard let k = ServiceRecords.key(id, in: records) else {
                                                   throw .invalid(field: "id", reason: "unknown key \"\(id)\"")
                                               }
                                               guard k.revoked == nil else {
                                                   throw .invalid(field: "id", reason: "key \"\(id)\" is already revoked")
                                               }
                                           })
            if await engine.serviceKey(id)?.revoked != nil {
                keys.revoke(id)
                hub.revoke(keyID: id)  // its open streams close at once (4401)
            }
            return response
        }
    }

    static func keyJSON(_ k: APIKeyRecord) -> JSONValue {
        .object([
            ("id", .string(k.id)), ("role", .string(k.role)), ("account", k.account.map(JSONValue.string) ?? .null),
            ("created", .string(k.created.iso8601)), ("createdBy", .string(k.createdBy)),
            ("revoked", k.revoked.map { .string($0.iso8601) } ?? .null),
        ])
    }
}
