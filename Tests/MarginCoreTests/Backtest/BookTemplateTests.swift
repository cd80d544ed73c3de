import MarginCore
import Testing

/// Template instantiation: strike = index × moneyness, expiry = the day + tenorDays × 86,400 s, by hand.
@Suite struct BookTemplateTests {
    static let json = """
        {"account": "straddle", "balances": {"USDC": 100000},
         "positions": [
          {"kind": "option", "underlying": "BTC", "moneyness": 1, "tenorDays": 30, "right": "call", "quantity": -1,
           "settlement": "linear"},
          {"kind": "option", "underlying": "BTC", "moneyness": 0.9, "tenorDays": 7.5, "right": "put", "quantity": 2,
           "settlement": "inverse"},
          {"kind": "future", "underlying": "BTC", "tenorDays": 90, "quantity": 1, "settlement": "linear"},
          {"kind": "option", "underlying": "BTC", "strike": 6000, "expiry": "2020-06-26T08:00:00Z", "right": "put",
           "quantity": 1, "settlement": "linear"},
          {"kind": "perpetual", "underlying": "BTC", "notionalUSD": -5000, "settlement": "inverse"}
         ]}
        """

    @Test func instantiatesMoneynessAndTenorOnTheDay() throws {
        let template = try BookTemplate(jsonText: Self.json)
        let day = Instant(iso8601: "2020-03-12")!
        let book = template.portfolio(on: day, indices: ["BTC": 5000])
        #expect(book.account == "straddle" && book.balances == ["USDC": 100000])
        let p = book.positions
        #expect(p[0].instrument.option == OptionContract(expiry: Instant(iso8601: "2020-04-11T00:00:00Z")!,
                                                         strike: 5000, right: .call))
        #expect(p[0].size == -1)
        #expect(p[1].instrument.option == OptionContract(expiry: Instant(iso8601: "2020-03-19T12:00:00Z")!,
                                                         strike: 4500, right: .put))
        #expect(p[1].instrument.settlement == .inverse)
        #expect(p[2].instrument.kind == .future(expiry: Instant(iso8601: "2020-06-10T00:00:00Z")!))
        #expect(p[3].instrument.option == OptionContract(expiry: Instant(iso8601: "2020-06-26T08:00:00Z")!,
                                                         strike: 6000, right: .put))
        #expect(p[4].instrument.kind == .perpetual && p[4].size == -5000)
        // The next day: the same book, rolled.
        let next = template.portfolio(on: day.adding(seconds: 86_400), indices: ["BTC": 4000])
        #expect(next.positions[0].instrument.option?.strike == 4000)
        #expect(next.positions[0].instrument.option?.expiry == Instant(iso8601: "2020-04-12T00:00:00Z"))
        #expect(template.underlyings == ["BTC"])
    }

    @Test func contradictoryFieldsNameTheField() {
        func path(_ leg: String) -> String? {
            do throws(InputError) {
                _ = try BookTemplate(jsonText: "{\"positions\": [\(leg)]}")
                return nil
            } catch {
                return error.path
            }
        }
        let base = "\"underlying\": \"BTC\", \"right\": \"call\", \"quantity\": 1, \"settlement\": \"linear\""
        #expect(path("{\"kind\": \"option\", \"moneyness\": 1, \"strike\": 5, \"tenorDays\": 3, \(base)}")
            == "$.positions[0].moneyness")
        #expect(path("{\"kind\": \"option\", \"moneyness\": 1, \"tenorDays\": 3, \"expiry\": \"2020-01-01\", \(base)}")
            == "$.positions[0].tenorDays")
        #expect(path("{\"kind\": \"option\", \"moneyness\": 0, \"tenorDays\": 3, \(base)}") == "$.positions[0].moneyness")
        #expect(path("{\"kind\": \"option\", \"moneyness\": 1, \"tenorDays\": -3, \(base)}") == "$.positions[0].tenorDays")
        #expect(path("{\"kind\": \"option\", \"moneyness\": 1, \(base)}") == "$.positions[0].expiry")
        #expect(path("{\"kind\": \"perpetual\", \"underlying\": \"BTC\", \"tenorDays\": 3, \"quantity\": 1, "
            + "\"settlement\": \"linear\"}") == "$.positions[0].tenorDays")
        #expect(path("{\"kind\": \"future\", \"underlying\": \"BTC\", \"moneyness\": 1, \"tenorDays\": 3, "
            + "\"quantity\": 1, \"settlement\": \"linear\"}") == "$.positions[0].moneyness")
    }
}
