import Foundation

/// The admin key file: if absent, a fresh admin key is written to it (mode 0600, created exclusively) and never
/// printed; if present, its content (surrounding whitespace trimmed) is the admin key, and the file must be the
/// owner's alone: one that group or others may read or write is refused (`chmod 600` it).
public enum AdminKeyFile {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String, String)
        case tooShort(String)
        case unwritable(String, String)
        case exposed(String, mode: UInt16)

        public var description: String {
            switch self {
            case .unreadable(let path, let why): return "admin key file \(path): cannot read: \(why)"
            case .tooShort(let path): return "admin key file \(path): the key must have at least 32 characters"
            case .unwritable(let path, let why): return "admin key file \(path): cannot create: \(why)"
            case .exposed(let path, let mode):
                return "admin key file \(path): mode \(String(mode, radix: 8)) lets group or others read or write "
                    + "it; the key must be the owner's alone: chmod 600 \(path)"
            }
        }
    }

    /// The admin key, reading the file or creating it.
    ///
    /// - Returns: the key and whether the file was created now.
    public static func loadOrCreate(_ path: String) throws(Failure) -> (key: String, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            var info = stat()
            guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
            let mode = UInt16(info.st_mode & 0o777)
            guard mode & 0o077 == 0 else { throw .exposed(path, mode: mode) }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .unreadable(path, "\(error)")
            }
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard key.count >= 32 else { throw .tooShort(path) }
            return (key, false)
        }
        let key = APIKey.generate(id: "admin").key
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .unwritable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array((key + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw .unwritable(path, String(cString: strerror(errno)))
        }
        return (key, true)
    }
}
