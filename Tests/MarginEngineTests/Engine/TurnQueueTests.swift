import Synchronization
import Testing
@testable import MarginEngine

/// The engine's FIFO of turns (``TurnQueue``): one holder, waiters resumed in arrival order, refusable waiters
/// (submits) refused at once when the engine faults while others keep their place.
@Suite struct TurnQueueTests {
    /// The queue driven as ``RiskEngine`` drives it: from one actor, suspending in `withCheckedContinuation`.
    actor Turns {
        var queue = TurnQueue()
        var order: [String] = []

        func take(_ name: String, refusable: Bool = false) async -> Bool {
            let got = queue.tryTake() ? true : await withCheckedContinuation { queue.enqueue($0, refusable: refusable) }
            order.append("\(name):\(got)")
            return got
        }

        func pass() { queue.pass()?.resume(returning: true) }
        func refuse() { for w in queue.refuseRefusable() { w.resume(returning: false) } }
        func waiting() -> Int { queue.waitingCount }
        func taken() -> Bool { queue.isTaken }
    }

    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<2_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return await condition()
    }

    @Test("waiters get the turn in arrival order, one at a time; the turn is free after the last pass")
    func fifo() async throws {
        let turns = Turns()
        #expect(await turns.take("first"))
        var tasks: [Task<Bool, Never>] = []
        for (i, name) in ["a", "b", "c"].enumerated() {
            tasks.append(Task { await turns.take(name) })
            #expect(await Self.eventually { await turns.waiting() == i + 1 }, "\(name) queued")
        }
        for _ in 0..<3 {
            await turns.pass()
        }
        for t in tasks { #expect(await t.value) }
        #expect(await turns.order == ["first:true", "a:true", "b:true", "c:true"])
        #expect(await turns.taken())
        await turns.pass()
        #expect(await turns.taken() == false)
    }

    @Test("a fault refuses the waiting submits at once; other operations keep their place")
    func refusal() async throws {
        let turns = Turns()
        #expect(await turns.take("holder"))
        let submit1 = Task { await turns.take("submit1", refusable: true) }
        #expect(await Self.eventually { await turns.waiting() == 1 })
        let close = Task { await turns.take("close") }
        #expect(await Self.eventually { await turns.waiting() == 2 })
        let submit2 = Task { await turns.take("submit2", refusable: true) }
        #expect(await Self.eventually { await turns.waiting() == 3 })
        await turns.refuse()
        let refused = (await submit1.value, await submit2.value)
        #expect(refused == (false, false))
        #expect(await turns.waiting() == 1)
        await turns.pass()
        #expect(await close.value)
        #expect(await turns.order.last == "close:true")
    }
}
