import Foundation

/// A failure the CLI reports with a message and an exit status (2 for bad input, 1 otherwise).
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 2
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}


