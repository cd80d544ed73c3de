import ArgumentParser
import Foundation
import MarginCore

/// The `margin` tool: pricing, margin calculation, what-if, reports and the real-time engine from the command line
/// (benchmarks are the `margin-bench` executable).
struct MarginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "margin",
        abstract: "Portfolio-margin risk engine for crypto derivatives.",
        subcommands: [PriceCommand.self, ComputeCommand.self, CompareCommand.self, WhatIfCommand.self, ReportCommand.self,
                      SpanCommand.self, LiquidationPriceCommand.self, CorrelationCommand.self, BacktestCommand.self,
                      EngineCommand.self, SimulateCommand.self, ServeCommand.self, KeysCommand.self, StatementCommand.self,
                      VerifyCommand.self, AggregateCommand.self])
}

/// Runs the command; every usage or input error exits with status 2 and a message naming the field.
@main
enum MarginMain {
    static func main() async {
        do {
            var command = try MarginCommand.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as InputError {
            printError("error: \(error)")
            Foundation.exit(2)
        } catch let error as CommandFailure {
            printError("error: \(error.message)")
            Foundation.exit(error.exitCode)
        } catch {
            let code = MarginCommand.exitCode(for: error)
            let message = MarginCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            printError(message)
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
