import Foundation
import MarginCore

/// Reading input files: every failure is an ``InputError`` that names the option (or field) and the file, so the
/// front ends print it as it is (`--market m.json: file not found or unreadable`).
public enum InputFile {
    /// The whole file as bytes.
    ///
    /// - Parameter option: what named the file (`--market`), used in the error.
    /// - Throws: ``InputError/invalid(path:reason:)`` when the file is missing or unreadable.
    public static func bytes(_ path: String, option: String) throws(InputError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalid(path: "\(option) \(path)", reason: "file not found or unreadable")
        }
        return [UInt8](data)
    }

    /// The file parsed as strict JSON; errors carry the option and the path.
    public static func json(_ path: String, option: String) throws(InputError) -> JSONNode {
        let bytes = try bytes(path, option: option)
        do {
            return try JSONNode.parse(bytes)
        } catch {
            throw error.prefixed("\(option) \(path)")
        }
    }

    /// The file decoded by `body`; decoding errors carry the option and the path.
    public static func decode<T>(_ path: String, option: String,
                                 _ body: (JSONNode) throws(InputError) -> T) throws(InputError) -> T {
        let node = try json(path, option: option)
        do {
            return try body(node)
        } catch {
            throw error.prefixed("\(option) \(path)")
        }
    }
}
