import Foundation

/// A real, tiny filesystem for full-disk tests: a tmpfs of a few hundred KiB mounted on a fresh directory, which
/// can be grown later (`remount`) to clear the fault. Needs the right to mount (root with `CAP_SYS_ADMIN`, as in
/// the development container); ``isAvailable`` says whether this process has it, so tests can be skipped
/// gracefully elsewhere.
public final class TinyFilesystem: @unchecked Sendable {
    // @unchecked: `mounted` is only changed by `unmount()`, called by the owning test.
    /// The mount point.
    public let path: String
    private var mounted = true

    /// Whether this process can mount a tmpfs (tried once).
    public static let isAvailable: Bool = {
        guard let probe = TinyFilesystem(kibibytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    /// Mounts a tmpfs of `kibibytes` KiB, or returns `nil` when mounting is not permitted.
    public init?(kibibytes: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-tinyfs-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)) != nil else {
            return nil
        }
        path = dir.path
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(kibibytes)k,mode=0755", "tmpfs", path]) else {
            try? FileManager.default.removeItem(at: dir)
            return nil
        }
    }

    deinit { unmount() }

    /// Changes the size (to clear a full disk); `false` if it could not.
    @discardableResult
    public func resize(kibibytes: Int) -> Bool {
        Self.run(["mount", "-o", "remount,size=\(kibibytes)k", path])
    }

    /// Unmounts and removes the mount point (idempotent).
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = Self.run(["umount", "-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path`/`name`.
    public func file(_ name: String) -> String { path + "/" + name }

    private static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
