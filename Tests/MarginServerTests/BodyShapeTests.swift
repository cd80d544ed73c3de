import MarginCore
@testable import MarginServer
import Testing

/// ``BodyShape``: the strict key check (unknown keys named by JSON path, in the alternative a body takes), and
/// the journal form (exact decimals given as JSON numbers become their literals; nothing else changes).
@Suite struct BodyShapeTests {
    @Test func decimalNumbersBecomeTheirLiteralsAndNothingElseChanges() throws {
        let book = try JSONNode.parse(
            #"{"instrument":"BTC-PERP","bids":[{"price":99000.10,"size":"0.5","account":"lp"}]}"#)
        let journal = try BodyShape.book.journalForm(book)
        #expect(journal == .object([
            (key: "instrument", value: .string("BTC-PERP")),
            (key: "bids", value: .array([.object([(key: "price", value: .string("99000.10")),
                                                  (key: "size", value: .string("0.5")),
                                                  (key: "account", value: .string("lp"))])])),
        ]))
        let market = try JSONNode.parse(#"{"underlying":"BTC","time":"2026-01-01T00:00:00Z","index":100500}"#)
        #expect(try BodyShape.marketUpdate.journalForm(market) == market.value)
    }

    @Test func aDecimalThatIsNeitherANumberNorAStringIsNamed() throws {
        let transfer = try JSONNode.parse(#"{"account":"a","currency":"USD","amount":true}"#)
        let expected = InputError.wrongType(path: "$.amount", expected: "a decimal number or string",
                                            found: "a boolean")
        #expect(throws: expected) { try BodyShape.transfer.journalForm(transfer) }
    }

    @Test func aBodyIsCheckedAsTheAlternativeItTakes() throws {
        let batch = try JSONNode.parse(#"{"updates":[{"underlying":"BTC","time":"2026-01-01T00:00:00Z","indx":1}]}"#)
        let unknown = #expect(throws: InputError.self) { try BodyShape.market.check(batch) }
        #expect(unknown?.path == "$.updates[0].indx")
        // Without its required keys, a body is checked as the last alternative (one update).
        let partial = try JSONNode.parse(#"{"index":1,"updates2":[]}"#)
        #expect((#expect(throws: InputError.self) { try BodyShape.market.check(partial) })?.path == "$.updates2")
        let legs = try JSONNode.parse(#"[{"kind":"perpetual","underlying":"BTC","settlement":"linear","qty":1}]"#)
        #expect((#expect(throws: InputError.self) { try BodyShape.whatIf.check(legs) })?.path == "$[0].qty")
        #expect(BodyShape.whatIf.requiredKeys.isEmpty)
        #expect(BodyShape.trade.requiredKeys == ["buyer", "seller", "instrument", "quantity", "price"])
    }
}
