import Foundation
import MarginTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `margin engine run` and `replay` as processes: one writer per journal, storage faults are not rejections (exit
/// status, status line), and replay never creates a journal.
@Suite struct EngineCommandTests {
    static let small = ["--accounts", "100", "--positions", "4", "--options", "10", "--rate", "20",
                        "--snapshot-every", "0"]

    /// A running `margin` process whose standard output is read as it comes.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let out = Pipe()
        private let err = Pipe()
        private(set) var output = ""

        init(_ args: [String]) throws {
            let exe = try #require(MarginCommandTests.marginURL(), "build the margin executable first")
            process.executableURL = exe
            process.arguments = args
            process.currentDirectoryURL = MarginCommandTests.root
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        /// Reads standard output until it contains `text` (or the process ends).
        func wait(for text: String) -> Bool {
            while !output.contains(text) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { return output.contains(text) }
                output += String(decoding: chunk, as: UTF8.self)
            }
            return true
        }

        /// Waits for the exit; returns status, the rest of standard output, and standard error.
        func finish() -> (status: Int32, out: String, err: String) {
            output += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output, errText)
        }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margin-engine-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a second `margin engine run` on the same journal exits 1 saying the journal is in use; the first runs on and stops cleanly")
    func secondWriterRefused() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("j.sqlite").path
        let first = try Running(["engine", "run", "--db", db, "--seconds", "60"] + Self.small)
        #expect(first.wait(for: "engine ready"), "\(first.output)")
        let second = try MarginCommandTests.run(["engine", "run", "--db", db, "--seconds", "2"] + Self.small)
        #expect(second.status == 1)
        #expect(second.err.contains("journal is in use"), "\(second.err)")
        #expect(!second.out.contains("engine ready"), "the second engine never started")
        // The first one is unaffected: it reports status lines with rejections and storage faults apart, ready.
        #expect(first.wait(for: "| storage faults 0 | ready"), "\(first.output)")
        kill(first.process.processIdentifier, SIGINT)
        let r = first.finish()
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("stopped at sequence "))
        // Replay (read-only) agrees with the digest the run printed.
        let digest = try #require(r.out.split(separator: "\n").last { $0.hasPrefix("stopped at sequence") }?
            .split(separator: " ").last)
        let replay = try MarginCommandTests.run(["engine", "replay", "--db", db])
        #expect(replay.status == 0, "\(replay.err)")
        #expect(replay.out.contains("margin digest \(digest)  state digest "), "\(replay.out)")
    }

    @Test("`margin engine replay` on a file that does not exist exits 1 and creates no file")
    func replayMissing() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("nope.sqlite").path
        let r = try MarginCommandTests.run(["engine", "replay", "--db", db])
        #expect(r.status == 1)
        #expect(r.err.contains("does not exist"), "\(r.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("`margin engine run` on a full disk (a tmpfs of 1 MiB): storage faults counted apart from rejections, the engine stops on them, exit status 1, and the journal replays to the printed digest",
          .enabled(if: TinyFilesystem.isAvailable, "mounting a tmpfs is not permitted here"))
    func fullDisk() throws {
        let fs = try #require(TinyFilesystem(kibibytes: 1_024))
        defer { fs.unmount() }
        let db = fs.file("j.sqlite")
        let r = try MarginCommandTests.run(["engine", "run", "--db", db, "--seconds", "30", "--trades", "500",
                                            "--rate", "200", "--on-storage-fault", "stop", "--accounts", "100",
                                            "--positions", "4", "--options", "10", "--snapshot-every", "0"])
        #expect(r.status == 1, "\(r.out)\n\(r.err)")
        #expect(r.err.contains("stopped on a storage fault"), "\(r.err)")
        #expect(r.err.contains("full"), "\(r.err)")
        let summary = try #require(r.out.split(separator: "\n").last { $0.hasPrefix("stopped at sequence") })
        let parts = summary.split(separator: " ")
        let sequence = String(parts[3].dropLast())
        let digest = String(parts.last!)
        let replay = try MarginCommandTests.run(["engine", "replay", "--db", db])
        #expect(replay.status == 0, "\(replay.err)")
        #expect(replay.out.contains("sequence \(sequence)  accounts "), "\(replay.out)")
        #expect(replay.out.contains("margin digest \(digest)  state digest "), "\(replay.out)")
    }
}
