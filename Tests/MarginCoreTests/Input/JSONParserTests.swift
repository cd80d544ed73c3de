import MarginCore
import PropertyBased
import Testing

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(InputError) -> JSONValue { try JSONParser.parse(text) }

    private func error(_ text: String) -> InputError? {
        InputTestFixture.error { () throws(InputError) in try JSONParser.parse(text) }
    }

    private func error(_ bytes: [UInt8]) -> InputError? {
        InputTestFixture.error { () throws(InputError) in try JSONParser.parse(bytes) }
    }

    private func isMalformed(_ e: InputError?) -> Bool {
        if case .malformedJSON = e { return true }
        return false
    }

    // MARK: - Valid documents

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("\n\tfalse\r\n") == .bool(false))
        #expect(try parse("0") == .double(0))
        #expect(try parse("-0") == .double(0))
        #expect(try parse("-12.5e2") == .double(-1250))
        #expect(try parse("1E-3") == .double(0.001))
        #expect(try parse("2e+2") == .double(200))
        #expect(try parse("1e-400") == .double(0))  // underflow rounds to zero: finite
        #expect(try parse("\"\"") == .string(""))
    }

    @Test func numbersKeepTheirLiteral() throws {
        guard case .number(let d, let literal) = try parse("0.10") else { Issue.record("not a number"); return }
        #expect(d == 0.1)
        #expect(literal == "0.10")
        #expect(try JSONNode.parse("1.2500e3").numberLiteral() == "1.2500e3")
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))  // surrogate pair
        #expect(try parse("\"é😀\"") == .string("é😀"))  // raw UTF-8
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func containersKeepOrder() throws {
        let v = try parse(#"{"b": [1, {"c": null}], "a": {}, "d": []}"#)
        #expect(v == .object([("b", .array([.double(1), .object([("c", .null)])])), ("a", .object([])),
                              ("d", .array([]))]))
        // Order matters for equality.
        #expect(try parse(#"{"a":1,"b":2}"#) != parse(#"{"b":2,"a":1}"#))
    }

    @Test func theExamplesParse() throws {
        for name in ["market.json", "portfolio.json", "params-reference.json"] {
            _ = try JSONParser.parse(InputTestFixture.text(name))
        }
    }

    // MARK: - Malformed documents

    @Test(arguments: [
        // trailing commas
        "[1,2,]", #"{"a":1,}"#, "[,]", "[1,,2]",
        // comments
        "// c\n{}", "{} // c", "/* c */ 1", "[1 /* c */]", "# c\n1",
        // non-finite and non-JSON numbers
        "NaN", "[Infinity]", "-Infinity", "[nan]", "+1", ".5", "1.", "1e", "1e+", "-", "0x10", "1_000", "--1",
        // leading zeros
        "01", "-01", "00", "[007]", "00.5",
        // strings
        "\"abc", "[\"abc]", #"{"a":"b}"#, "'a'", #""\x41""#, #""\a""#, #""\u12""#, #""\u12G4""#, #""\U0041""#,
        #""\ud800""#, #""\ud800\u0041""#, #""\udc00""#, "\"a\tb\"", "\"a\nb\"", "\"\\",
        // literals
        "tru", "nul", "True", "nulls", "undefined",
        // structure
        "", "   ", "{", "}", "[", "]", "[1", "{\"a\"", #"{"a"}"#, #"{"a" 1}"#, #"{a:1}"#, #"{1:1}"#, "[1 2]",
        #"{"a":1 "b":2}"#, "1 2", "{}{}", "[]]", "\u{FEFF}{}",
    ])
    func malformed(_ text: String) {
        let e = error(text)
        #expect(isMalformed(e), "\(text.debugDescription) gave \(String(describing: e))")
    }

    @Test func invalidUTF8() {
        #expect(isMalformed(error([0x22, 0xFF, 0x22])))
        #expect(isMalformed(error([0x22, 0xC3, 0x22])))  // truncated sequence
        #expect(isMalformed(error([0x22, 0xED, 0xA0, 0x80, 0x22])))  // encoded surrogate
        #expect(isMalformed(error([0xFF])))
        #expect(isMalformed(error([0x5B, 0x31, 0x00, 0x5D])))  // NUL between tokens
    }

    @Test func numbersOverflowingDouble() {
        for text in ["1e400", "-1e400", "[1.8e308]", String(repeating: "9", count: 400), "1" + String(repeating: "0", count: 309)] {
            #expect(isMalformed(error(text)), "\(text.prefix(20))")
        }
        #expect(error("1.7976931348623157e308") == nil)  // Double.greatestFiniteMagnitude
    }

    @Test func deepNestingThrowsInsteadOfCrashing() {
        for depth in [129, 1000, 100_000] {
            for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
                let text = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
                #expect(isMalformed(error(text)), "depth \(depth)")
            }
            #expect(isMalformed(error(String(repeating: "[", count: depth))))
        }
    }

    @Test func nestingUpTo128IsAccepted() {
        // "nesting at most 128 deep": 128 containers, with or without a scalar inside.
        for inner in ["", "1", "\"x\"", "null"] {
            let arrays = String(repeating: "[", count: 128) + inner + String(repeating: "]", count: 128)
            #expect(error(arrays) == nil, "128 arrays around \(inner.debugDescription)")
        }
        let objects = String(repeating: #"{"a":"#, count: 127) + #"{"a":1}"# + String(repeating: "}", count: 127)
        #expect(error(objects) == nil)
    }

    @Test func duplicateKeysNameTheirObject() {
        #expect(error(#"{"a":1,"a":2}"#) == .duplicateKey(path: "$", key: "a"))
        #expect(error(#"{"x": {"b":1, "c":2, "b":3}}"#) == .duplicateKey(path: "$.x", key: "b"))
        #expect(error(#"{"p": [{}, {"k":1, "k":1}]}"#) == .duplicateKey(path: "$.p[1]", key: "k"))
        // Keys are compared after unescaping.
        #expect(error(#"{"a":1,"\u0061":2}"#) == .duplicateKey(path: "$", key: "a"))
        // The same key in different objects is fine.
        #expect(error(#"{"a":{"a":{"a":1}}, "b":[{"a":1},{"a":2}]}"#) == nil)
    }

    // MARK: - Positions

    @Test func lineAndColumn() {
        #expect(error("[1,\n 2,\n x]") == .malformedJSON(line: 3, column: 2, reason: "unexpected character 'x'"))
        #expect(error("x")?.path == "line 1, column 1")
        #expect(error("[1,2,]")?.path == "line 1, column 6")
        #expect(error("{\n  \"a\": 1,\n  \"b\": 2,\n}")?.path == "line 4, column 1")
        // Columns count characters, not bytes.
        #expect(error("[\"é€😀\", x]")?.path == "line 1, column 9")
        // The end of input is reported after the last character.
        #expect(error("[1,\n2")?.path == "line 2, column 2")
        #expect(error("\"abc")?.path == "line 1, column 5")
        // The overflowing number is reported at its start.
        #expect(error("{\"a\":\n   1e999}")?.path == "line 2, column 4")
        // CRLF: \r is an ordinary character, \n starts a line.
        #expect(error("[1,\r\n]")?.path == "line 2, column 1")
    }

    // MARK: - Serialization

    @Test func serializesDeterministically() throws {
        let v = try parse(#"{"b": [1, 2.5, "x"], "a": {"c": [{"d": null}], "e": true}, "f": [], "g": {}}"#)
        #expect(v.serialized(pretty: false) == #"{"b":[1, 2.5, "x"],"a":{"c":[{"d":null}],"e":true},"f":[],"g":{}}"#)
        #expect(v.serialized() == """
            {
              "b": [1, 2.5, "x"],
              "a": {
                "c": [
                  {
                    "d": null
                  }
                ],
                "e": true
              },
              "f": [],
              "g": {}
            }
            """)
        #expect(JSONValue.double(.nan) == .null)
        #expect(JSONValue.double(.infinity).serialized() == "null")
        #expect(JSONValue.double(3).serialized() == "3")
        #expect(JSONValue.double(-0.25).serialized() == "-0.25")
        #expect(JSONValue.string("a\"\\\n\u{1}é").serialized() == #""a\"\\\n\u0001é""#)
        #expect(JSONValue.string("\r\t\u{1F}😀 plain").serialized() == #""\r\t\u001f😀 plain""#)
    }

    @Test func examplesRoundTrip() throws {
        for name in ["market.json", "portfolio.json", "params-reference.json"] {
            let v = InputTestFixture.json(name)
            #expect(try parse(v.serialized()) == v)
            #expect(try parse(v.serialized(pretty: false)) == v)
        }
    }

    /// A random JSON value built from `seed` (SplitMix64), at most `depth` deep.
    private static func randomValue(_ state: inout UInt64, depth: Int) -> JSONValue {
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func string() -> String {
            let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}",
                                              "\u{7f}", "é", "€", "\u{2028}", "😀", "\u{FFFF}"]
            var s = String.UnicodeScalarView()
            for _ in 0..<(next() % 8) { s.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            return String(s)
        }
        let kind = next() % (depth > 0 ? 7 : 5)
        switch kind {
        case 0: return .null
        case 1: return .bool(next() % 2 == 0)
        case 2:
            let bits = next()
            let d = Double(bitPattern: bits)
            if d.isFinite, next() % 2 == 0 { return .double(d) }
            return .double(Double(Int64(bitPattern: bits) >> Int64(next() % 64)) / Double(1 << (next() % 20)))
        case 3, 4: return .string(string())
        case 5: return .array((0..<(next() % 5)).map { _ in randomValue(&state, depth: depth - 1) })
        default:
            var pairs: [(key: String, value: JSONValue)] = []
            for i in 0..<(next() % 5) {
                pairs.append((string() + "#\(i)", randomValue(&state, depth: depth - 1)))  // unique keys
            }
            return .object(pairs)
        }
    }

    @Test func serializationRoundTripProperty() async {
        await propertyCheck(count: 400, input: Gen.uint64(in: 0 ... .max), Gen.bool) { seed, pretty in
            var state = seed
            let v = Self.randomValue(&state, depth: 5)
            let text = v.serialized(pretty: pretty)
            do {
                let back = try JSONParser.parse(text)
                #expect(back == v, "\(text)")
            } catch {
                Issue.record("\(error) for \(text)")
            }
        }
    }

    @Test func randomBytesNeverCrash() async {
        let tokens: [UInt8] = Array("{}[],:\"\\ 0123456789-+.eEtrufalsn".utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        await propertyCheck(count: 400, input: Gen.int(in: 0..<tokens.count).array(of: 0...40)) { picks in
            let bytes = picks.map { tokens[$0] }
            _ = error(bytes)  // any outcome but a crash
        }
    }
}
