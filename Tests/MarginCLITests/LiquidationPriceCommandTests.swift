import Foundation
import MarginCore
import Testing

/// `margin liquidation-price`: the JSON contract of the issue and errors with exit status 2.
@Suite struct LiquidationPriceCommandTests {
    @Test func jsonHasEachHeldUnderlyingWithBothSides() throws {
        let r = try MarginCommandTests.run(["liquidation-price", "--market", "examples/market.json", "--portfolio",
                                            "examples/short-strangle.json", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try JSONNode.parse(r.out)
        let btc = try json.required("underlyings").required("BTC")
        #expect(try btc.required("index").double() == 90_000)
        #expect(try btc.required("below").double() < 90_000)
        #expect(try btc.required("above").double() > 90_000)
        #expect(try json.required("belowMaintenanceMargin").bool() == false)
    }

    @Test func aSideWithoutALevelIsNull() throws {
        let r = try MarginCommandTests.run(["liquidation-price", "--market", "examples/market.json", "--portfolio",
                                            "examples/covered-call.json", "--format", "json"])
        #expect(r.status == 0, "\(r.err)")
        let btc = try JSONNode.parse(r.out).required("underlyings").required("BTC")
        #expect(try btc.optional("below") == nil)
        #expect(try btc.optional("above") == nil)
        #expect(r.out.contains("\"below\": null"))
    }

    @Test func aBadPortfolioExitsWithStatus2NamingTheFile() throws {
        let r = try MarginCommandTests.run(["liquidation-price", "--market", "examples/market.json", "--portfolio",
                                            "examples/missing.json"])
        #expect(r.status == 2)
        #expect(r.err.contains("--portfolio examples/missing.json"))
    }
}
