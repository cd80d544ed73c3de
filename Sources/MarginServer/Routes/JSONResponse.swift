import Foundation
import HTTPTypes
import Hummingbird
import MarginCore
import NIOCore

/// JSON responses written by the core's serializer (the same canonical text the CLI prints).
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, pretty: Bool = false) -> Response {
        let text = value.serialized(pretty: pretty)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

extension JSONValue {
    /// A JSON number for a finite double, `null` otherwise (JSON has no NaN or infinity).
    static func finite(_ d: Double) -> JSONValue { d.isFinite ? .double(d) : .null }
}
