import Foundation
import MarginCore
import Testing
@testable import MarginLedger

/// Issue 19, finding 9: an account id an external event names is 1–128 bytes of ASCII letters, digits, `-`, `_`,
/// `.`, `:` (``EngineError/checkAccountID(_:field:)``), in deposits, withdrawals, trades and the liquidation
/// settings; the engine's own ids satisfy it.
@Suite struct AccountIDTests {
    static let refused = ["", "a b", "a/b", "a%2F", "a?b", "misc-caf\u{E9}", "misc-cafe\u{301}", "nul\u{0}x",
                          "rlo\u{202E}x", "tab\tx", "a#b", "a+b", "a@b", "\u{1F600}", String(repeating: "x", count: 129),
                          String(repeating: "\u{E9}", count: 65)]

    @Test("ids with a space, /, %, ?, non-ASCII (NFC or NFD), NUL, U+202E, or over 128 bytes are refused naming the field")
    func unaddressableIdsAreRefused() {
        for id in Self.refused {
            for (event, field) in [(EngineEvent.deposit(Transfer(account: id, currency: "USD", amount: 1)), "account"),
                                   (.withdrawal(Transfer(account: id, currency: "USD", amount: 1)), "account"),
                                   (.trade(Trade(buyer: id, seller: "lp", instrument: "X", quantity: 1, price: 1)),
                                    "buyer"),
                                   (.trade(Trade(buyer: "lp", seller: id, instrument: "X", quantity: 1, price: 1)),
                                    "seller")] {
                do {
                    try event.validate()
                    Issue.record("accepted \(id.debugDescription) as \(field)")
                } catch {
                    guard case .invalid(let named, _) = error else { Issue.record("\(error)"); continue }
                    #expect(named == field, "\(id.debugDescription): \(error)")
                }
            }
        }
    }

    @Test("every allowed byte, 1 and 128 bytes, and the engine's own ids are accepted")
    func addressableIdsAreAccepted() throws {
        let settings = LiquidationSettings()
        for id in ["a", "Acct_1.x:y-Z9", String(repeating: "z", count: 128), settings.insuranceFund,
                   settings.feeAccount, "acct-00017", "lp-3", "mm-1", "backstop-2", "lev-4", "bench-1"] {
            try EngineError.checkAccountID(id, field: "account")
        }
        try EngineEvent.liquidationSettings(settings).validate()
        var odd = settings
        odd.backstops = ["back stop"]
        #expect(throws: EngineError.self) { try EngineEvent.liquidationSettings(odd).validate() }
    }
}
