import MarginCore
import MarginLedger
import Testing

/// The engine keeps a front end's records without reading them: newest per kind and id, expiring ones forgotten
/// once a later record's time passes their expiry, all of them in the snapshot; journals of format 1 (the service's
/// own event types) read back as the same envelopes.
@Suite struct FrontEndRecordsTests {
    let t0 = Instant(secondsSinceEpoch: 1_800_000_000)

    func answer(_ id: String, at t: Instant) -> FrontEndRecord {
        FrontEndRecord(kind: "request", id: id, time: t, expires: t.adding(seconds: 86_400), body: #"{"n":"\#(id)"}"#)
    }

    @Test func expiringRecordsAreForgottenAfterTheirExpiryAndSnapshotted() throws {
        var records = FrontEndRecords()
        records.apply(FrontEndRecord(kind: "apiKey", id: "k1", time: t0, body: "{}"))
        records.apply(answer("a", at: t0))
        records.apply(answer("b", at: t0.adding(seconds: 3_600)))
        #expect(records.record(kind: "request", id: "a") != nil)
        records.apply(answer("c", at: t0.adding(seconds: 86_401)))
        #expect(records.record(kind: "request", id: "a") == nil, "expired 24 h after its time")
        #expect(records.record(kind: "request", id: "b") != nil)
        #expect(records.record(kind: "apiKey", id: "k1") != nil, "a record without expiry is kept for good")
        #expect(records.inOrder.map(\.id) == ["k1", "b", "c"])
        var state = EngineState()
        state.frontEnd = records
        let decoded = try EngineState(payload: state.payload)
        #expect(decoded.frontEnd == records)
        #expect(decoded == state)
    }

    @Test func aLaterRecordOfTheSameKindAndIdReplacesTheEarlier() {
        var records = FrontEndRecords()
        records.apply(FrontEndRecord(kind: "apiKey", id: "k1", time: t0, body: "1"))
        records.apply(FrontEndRecord(kind: "apiKey", id: "k1", time: t0.adding(seconds: 5), body: "2"))
        records.apply(FrontEndRecord(kind: "other", id: "k1", time: t0, body: "3"))
        #expect(records.record(kind: "apiKey", id: "k1")?.body == "2")
        #expect(records.records(kind: "apiKey").count == 1)
        #expect(records.inOrder.count == 2)
    }

    @Test func theEnvelopeRoundTripsThroughTheJournalAndItsBodyIsNeverParsed() throws {
        let record = FrontEndRecord(kind: "request", id: "k some-key", time: t0, expires: t0.adding(seconds: 60),
                                    body: "not json at all: {\"")
        let event = EngineEvent.frontEnd(record)
        try event.validate()
        #expect(try EngineEvent(payload: event.payload) == event)
        #expect(event.payload.hasPrefix(#"{"body":"#))
    }

    @Test(arguments: [
        (FrontEndRecord(kind: "", id: "x", time: Instant(secondsSinceEpoch: 0), body: ""), "kind"),
        (FrontEndRecord(kind: "k", id: String(repeating: "i", count: 513), time: Instant(secondsSinceEpoch: 0),
                        body: ""), "id"),
        (FrontEndRecord(kind: "k", id: "a\u{1}", time: Instant(secondsSinceEpoch: 0), body: ""), "id"),
        (FrontEndRecord(kind: "k", id: "x", time: Instant(secondsSinceEpoch: 10), expires: Instant(secondsSinceEpoch: 5),
                        body: ""), "expires"),
        (FrontEndRecord(kind: "k", id: "x", time: Instant(secondsSinceEpoch: 0),
                        body: String(repeating: "b", count: FrontEndRecord.maximumBodyBytes + 1)), "body"),
    ])
    func aMalformedEnvelopeIsRefusedNamingTheField(record: FrontEndRecord, field: String) {
        #expect(throws: EngineError.self) { try record.validate() }
        do { try record.validate() } catch {
            guard case .invalid(let named, _) = error else { Issue.record("not an invalid-field error: \(error)"); return }
            #expect(named == field)
        }
    }

    /// Format 1 wrote the service's records as events of their own and a snapshot's `service` object; they read
    /// back as the envelopes the service writes now (same kinds, the old fields as body).
    @Test func format1RecordsReadBackAsEnvelopes() throws {
        let key = try EngineEvent(payload: #"{"account":"alice","created":"2027-01-15T08:00:00Z","createdBy":"admin","hash":"ab","id":"k1","role":"owner","salt":"cd","type":"apiKey"}"#)
        guard case .frontEnd(let k) = key else { Issue.record("not a front-end record: \(key)"); return }
        #expect(k.kind == "apiKey" && k.id == "k1" && k.expires == nil)
        #expect(k.body == #"{"account":"alice","created":"2027-01-15T08:00:00Z","createdBy":"admin","hash":"ab","id":"k1","role":"owner","salt":"cd"}"#)
        let request = try EngineEvent(payload: #"{"fingerprint":"f","key":"dep-1","scope":"k1","sequence":"7","status":"200","time":"2027-01-15T08:00:00Z","type":"request"}"#)
        guard case .frontEnd(let r) = request else { Issue.record("not a front-end record: \(request)"); return }
        #expect(r.kind == "request" && r.id == FrontEndRecord.requestID(scope: "k1", key: "dep-1"))
        #expect(r.expires == r.time.adding(seconds: 86_400))
        var state = EngineState()
        state.apply(key)
        state.apply(request)
        let v1 = #"{"accounts":{},"instruments":{},"markets":{},"parameters":\#(state.parameters.json.serialized(pretty: false)),"sequence":"0","service":{"keys":{"k1":{"account":"alice","created":"2027-01-15T08:00:00Z","createdBy":"admin","hash":"ab","id":"k1","role":"owner","salt":"cd"}},"requests":[{"fingerprint":"f","key":"dep-1","scope":"k1","sequence":"7","status":"200","time":"2027-01-15T08:00:00Z"}]}}"#
        let decoded = try EngineState(payload: v1)
        #expect(decoded.frontEnd == state.frontEnd)
    }

    func scoped(_ id: String, scope: String, at t: Instant) -> FrontEndRecord {
        FrontEndRecord(kind: "request", id: scope + " " + id, scope: scope, time: t, expires: t.adding(seconds: 86_400),
                       body: "{}")
    }

    /// Issue 19, finding 4: the answers were capped at 100,000 shared by every client, so one client's 100,050
    /// writes pushed another's answer out and its retry was applied twice.
    @Test("one scope's answers are never pushed out by another's: 100,050 answers of one key leave another key's answer kept")
    func noSharedEviction() {
        var records = FrontEndRecords()
        records.apply(scoped("idem-R0", scope: "victim", at: t0))
        for i in 0..<(FrontEndRecords.capacityPerScope + 50) {
            records.apply(scoped("w\(i)", scope: "flooder", at: t0.adding(seconds: 1)))
        }
        #expect(records.record(kind: "request", id: "victim idem-R0") != nil)
        #expect(records.count(scope: "victim") == 1)
        #expect(records.isFull(scope: "flooder", at: t0.adding(seconds: 2)), "the flooder's own window is full")
        #expect(!records.isFull(scope: "victim", at: t0.adding(seconds: 2)))
        // Once the retention has passed, the flooder's window empties (nothing was evicted before).
        #expect(!records.isFull(scope: "flooder", at: t0.adding(seconds: 86_402)))
    }

    @Test("a forgotten answer leaves a digest: recognized after its expiry, kept through the snapshot, nothing else matches")
    func forgottenAnswersAreRecognized() throws {
        var records = FrontEndRecords()
        records.apply(scoped("a", scope: "k1", at: t0))
        #expect(!records.wasForgotten(kind: "request", id: "k1 a"))
        records.apply(scoped("b", scope: "k2", at: t0.adding(seconds: 86_401)))
        #expect(records.record(kind: "request", id: "k1 a") == nil)
        #expect(records.wasForgotten(kind: "request", id: "k1 a"))
        #expect(!records.wasForgotten(kind: "request", id: "k2 a"), "the key is scoped to its API key")
        #expect(!records.wasForgotten(kind: "request", id: "k2 b"))
        #expect(records.count(scope: "k1") == 0 && records.count(scope: "k2") == 1)
        var state = EngineState()
        state.frontEnd = records
        let decoded = try EngineState(payload: state.payload)
        #expect(decoded.frontEnd == records)
        #expect(decoded.frontEnd.wasForgotten(kind: "request", id: "k1 a"))
        #expect(state.payload.contains(ForgottenDigest(kind: "request", id: "k1 a").hex))
    }

    @Test("an envelope's scope round-trips through the journal; one without scope (written before scopes) reads as before")
    func scopeRoundTrips() throws {
        let scoped = EngineEvent.frontEnd(scoped("x", scope: "k9", at: t0))
        #expect(try EngineEvent(payload: scoped.payload) == scoped)
        #expect(scoped.payload.contains(#""scope":"k9""#))
        let unscoped = EngineEvent.frontEnd(answer("y", at: t0))
        #expect(!unscoped.payload.contains("scope"))
        #expect(try EngineEvent(payload: unscoped.payload) == unscoped)
        #expect(ForgottenDigest(hex: ForgottenDigest(kind: "k", id: "i").hex) == ForgottenDigest(kind: "k", id: "i"))
        #expect(ForgottenDigest(hex: "xyz") == nil)
    }
}
