import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The streamed snapshot payload against the canonical JSON tree it must equal byte for byte.
@Suite struct EngineStateJSONTests {
    typealias F = EngineFixtures

    @Test("the streamed payload equals the tree's compact text, and decodes back to the state")
    func streamedPayloadEqualsTree() async throws {
        var states = [EngineState(), F.genesis(accounts: 50, positions: 6), CrashWorkload.genesis()]
        // A state after a stream of events: fills with entry prices, deposits, health changes, correlations.
        let engine = try await F.engine(CrashWorkload.genesis())
        for step in 0..<200 {
            if case .event(let e) = CrashWorkload.next(state: await engine.state, seed: UInt64(step)) {
                _ = try? await engine.submit(e)
            }
        }
        var table = CorrelationTable()
        let names = await engine.state.markets.keys.sorted()
        if names.count >= 2 { table.set(names[0], names[1], rho: 0.5) }
        try await engine.submit(.correlations(table))
        states.append(await engine.state)
        // Names that need escaping, an account with nothing, and keys whose order differs by case and accents.
        var odd = await engine.state
        odd.accounts["ü \"quoted\"\\\n"] = AccountState()
        odd.accounts["Zed"] = AccountState()
        odd.accounts["élan"] = odd.accounts.values.first { !$0.positions.isEmpty }
        states.append(odd)
        for state in states {
            let payload = state.payload
            #expect(payload == state.json.serialized(pretty: false))
            #expect(try EngineState(payload: payload) == state)
        }
    }
}
