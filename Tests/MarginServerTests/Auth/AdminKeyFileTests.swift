import Foundation
import MarginServer
import Testing

/// Issue 19: an admin key file readable by group or others is refused (the key is the whole service).
@Suite("The admin key file is the owner's alone")
struct AdminKeyFileTests {
    static func file(mode: mode_t) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("admin-\(UUID().uuidString).key").path
        try "mk.admin.0123456789abcdefghijklmnopqrstuvwxyz\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    @Test("mode 0644 or 0660 is refused naming chmod 600; 0600 and 0400 load")
    func modes() throws {
        for mode: mode_t in [0o644, 0o660, 0o604] {
            let path = try Self.file(mode: mode)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect {
                try AdminKeyFile.loadOrCreate(path)
            } throws: { error in
                "\(error)".contains("chmod 600 \(path)")
            }
        }
        for mode: mode_t in [0o600, 0o400] {
            let path = try Self.file(mode: mode)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try AdminKeyFile.loadOrCreate(path).created == false)
        }
    }

    @Test("a created file is mode 0600")
    func created() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("admin-\(UUID().uuidString).key").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try AdminKeyFile.loadOrCreate(path).created)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try AdminKeyFile.loadOrCreate(path).created == false)
    }
}
