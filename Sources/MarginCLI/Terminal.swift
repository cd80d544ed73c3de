import Foundation

/// A failure the CLI reports with a message and an exit status (2 for bad input, 1 otherwise).
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 2
}

/// Writes `text` to stderr, followed by a newline unless `newline` is false (a progress line rewritten in place).
func printError(_ text: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((newline ? text + "\n" : text).utf8))
}


