import Foundation
import MarginCore

/// Helpers for the journal's deterministic JSON: object keys sorted, numbers in shortest round-trip form, money
/// as decimal strings (exact), instants as ISO-8601 text. Markets, instruments, parameters and correlation tables
/// use the core's encoders and decoders (the `market.json` / `portfolio.json` / parameter-file formats), the same
/// ones that read the input files.
package enum JSONCoding {
    /// An object with its keys sorted (the canonical form every record uses).
    package static func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .sortedObject(pairs) }

    package static func money(_ d: Decimal) -> JSONValue { .string(Money.text(d)) }

    package static func instant(_ t: Instant) -> JSONValue { .instant(t) }

    /// Decodes a money string field.
    package static func money(_ node: JSONNode) throws(EngineError) -> Decimal {
        let text: String
        do { text = try node.string() } catch { throw EngineError.input(error) }
        guard let d = Money.parse(text) else {
            throw EngineError.invalid(field: node.path, reason: "\"\(text)\" is not a decimal number")
        }
        return d
    }

    /// Runs a decoding closure, mapping the core's ``InputError`` to ``EngineError``.
    package static func decode<T>(_ body: () throws(InputError) -> T) throws(EngineError) -> T {
        do { return try body() } catch { throw EngineError.input(error) }
    }
}
