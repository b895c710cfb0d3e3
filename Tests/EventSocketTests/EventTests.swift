import EventSocket
import Testing

/// Event parsing, percent-decoding, typed accessors and message classification.
@Suite struct EventTests {
    /// The messages of corpus file `name`.
    func messages(_ name: String) throws -> [ESLMessage] {
        let outcome = decodeWhole(try fixture("corpus/" + name))
        if let error = outcome.error { throw error }
        return try outcome.frames.map { try ESLMessage($0) }
    }

    func onlyEvent(_ name: String) throws -> ESLEvent {
        guard case .event(let event) = try messages(name).last else {
            throw ESLDecodingError(.emptyEvent, offset: -1)
        }
        return event
    }

    @Test func percentDecodingEdgeCases() throws {
        let event = try onlyEvent("percent-edge.txt")
        #expect(event.value("Caller-Caller-ID-Name") == "Renée\nMultiline")  // %0A decoded in the value only
        // Lossy UTF-8 for the text, the bytes kept.
        #expect(event.value("Latin1-Name") == "Ren\u{FFFD}e")
        #expect(event.headers.decodedBytes("Latin1-Name") == [0x52, 0x65, 0x6E, 0xE9, 0x65])
        #expect(event.headers.rawValue("Latin1-Name") == "Ren%E9e".bytes)
        #expect(event.value("Plus") == "a+b")
        #expect(event.value("Bad-Escapes") == "100% %2%G1%")
        #expect(event.value("Lower-Hex") == "::")
        #expect(event.value("Empty-Value") == "_undef_")
        #expect(event.value("DTMF-Digit") == "#")
        #expect(event.values("Array-Header") == ["one", "two", "three"])
        #expect(event.values("Plus") == ["a+b"])
        #expect(event.values("Nope") == [])
        // Exact spelling wins; otherwise the first case-insensitive match.
        #expect(event.value("Channel-Read-Codec-Bit-Rate") == "64000")
        #expect(event.value("channel-read-codec-bit-rate") == "0")
        #expect(event.value("CHANNEL-READ-CODEC-BIT-RATE") == "64000")
        #expect(event.value("unique-id") == "c0ffee00-0000-4000-8000-000000000001")
        #expect(event.value("Missing") == nil)
        #expect(event.headers.count == 12)
        #expect(event.headers[2].name == "Caller-Caller-ID-Name")
    }

    @Test func percentDecodingFunction() {
        let cases: [(String, String)] = [
            ("", ""), ("%", "%"), ("%4", "%4"), ("%41", "A"), ("%4a%4A", "JJ"), ("%%41", "%A"),
            ("%2541", "%41"), ("a%20b%0D%0A", "a b\r\n"), ("%zz%", "%zz%"), ("%C3%A9", "é"),
        ]
        for (input, output) in cases { #expect(ESLPercentDecoding.decode(input) == output, "\(input)") }
        #expect(ESLPercentDecoding.decode("%00".bytes) == [0])
    }

    @Test func callCenterAgentEvents() throws {
        let events = try messages("callcenter-info.txt").compactMap { message -> ESLEvent? in
            if case .event(let event) = message { return event }
            return nil
        }
        #expect(events.count == 3)
        let status = try #require(events[0].callCenterInfo)
        #expect(events[0].eventName == "CUSTOM")
        #expect(events[0].eventSubclass == "callcenter::info")
        #expect(status.action == "agent-status-change")
        #expect(status.agent == "1001@default")
        #expect(status.agentStatus == "Available (On Demand)")
        #expect(events[0].uniqueID == nil)
        let state = try #require(events[1].callCenterInfo)
        #expect(state.agentState == "In a queue call")
        let end = try #require(events[2].callCenterInfo)
        #expect(end.action == "member-queue-end")
        #expect(end.cause == "Cancel")
        #expect(end.cancelReason == "TIMEOUT")
        #expect(end.queue == "support@default")
        #expect(end.memberSessionUUID == events[2].uniqueID)
        #expect(events[2].channelCallUUID == "c0ffee00-0000-4000-8000-000000000001")
        #expect(events[2].callerIDNumber == "5551234")
        #expect(events[2].variable("campaign") == "spring promo")
        #expect(events[0].eventSequence == 901)
    }

    @Test func jsonEventWithBodyArrayAndEscapes() throws {
        let event = try onlyEvent("json-background-job.txt")
        #expect(event.format == .json)
        #expect(event.eventName == "BACKGROUND_JOB")
        #expect(event.jobUUID == "0b6f6d3c-1111-4222-8333-944455556666")
        #expect(event.value("Caller-Caller-ID-Name") == "José \"JJ\"")
        #expect(event.values("Array-Header") == ["a", "b|c"])
        #expect(event.bodyText == "UP 0 years\n+OK\n")
        #expect(event.value("_body") == nil)
        #expect(event.value("Content-Length") == "16")
        #expect(event.backgroundJobResult?.status == .other)
    }

    @Test func badJSONIsATypedError() throws {
        for json in [
            "", "[]", "{", "{\"a\":}", "{\"a\":\"b\"", "{\"a\":\"b\"} x", "{\"a\":\"\\q\"}",
            "{\"a\":\"\\u12\"}", "{a:1}",
        ] {
            let frame = try ESLFrame(
                wireBytes: "Content-Length: \(json.utf8.count)\nContent-Type: text/event-json\n\n\(json)"
                    .bytes)
            #expect(throws: ESLDecodingError.self, "\(json)") { try ESLEvent(frame) }
        }
        func jsonFrame(_ json: String) throws -> ESLFrame {
            try ESLFrame(
                wireBytes: "Content-Length: \(json.utf8.count)\nContent-Type: text/event-json\n\n\(json)"
                    .bytes)
        }
        let event = try ESLEvent(
            try jsonFrame("{\"Event-Name\":\"X\",\"n\":12,\"o\":{\"k\":[1]},\"t\":true}"))
        #expect(event.value("n") == "12")
        #expect(event.value("o") == "{\"k\":[1]}")
        #expect(event.value("t") == "true")
        #expect(event.value("\u{1F44B}") == nil)
        let surrogate = try jsonFrame("{\"Event-Name\":\"\\ud83d\\udc4b\\ud800\"}")
        #expect(try ESLEvent(surrogate).eventName == "👋\u{FFFD}")
    }

    @Test func eventPlainInnerContentLength() throws {
        func frame(_ body: String) throws -> ESLFrame {
            try ESLFrame(
                wireBytes: "Content-Length: \(body.utf8.count)\nContent-Type: text/event-plain\n\n\(body)"
                    .bytes)
        }
        let ok = try ESLEvent(try frame("Event-Name: CUSTOM\nContent-Length: 3\n\nabc"))
        #expect(ok.bodyText == "abc")
        #expect(throws: ESLDecodingError(.invalidInnerContentLength("4"), offset: 0)) {
            try ESLEvent(try frame("Event-Name: CUSTOM\nContent-Length: 4\n\nabc"))
        }
        #expect(throws: ESLDecodingError(.invalidInnerContentLength("x"), offset: 0)) {
            try ESLEvent(try frame("Event-Name: CUSTOM\nContent-Length: x\n\n"))
        }
        #expect(throws: ESLDecodingError(.emptyEvent, offset: 0)) { try ESLEvent(try frame("\n")) }
        let noHeader = try frame("no header\n\n")
        // Inner errors name the stream byte of the bad line: the frame's header block comes first.
        #expect(throws: ESLDecodingError(.malformedHeaderLine, offset: noHeader.byteCount - 11)) {
            try ESLEvent(noHeader)
        }
        // Without a final blank line the block ends with the body.
        #expect(try ESLEvent(try frame("Event-Name: HEARTBEAT\nUp-Time: 1")).value("Up-Time") == "1")
        let reply = try ESLFrame(wireBytes: "Content-Type: command/reply\nReply-Text: +OK\n\n".bytes)
        #expect(throws: ESLDecodingError(.notAnEvent(contentType: "command/reply"), offset: 0)) {
            try ESLEvent(reply)
        }
    }

    @Test func repliesAndAuthOutcomes() throws {
        let login = try messages("inbound-login.txt")
        #expect(login.first == .authRequest)
        #expect(ESLAuthOutcome(replyTo: login[0]) == .pending)
        #expect(ESLAuthOutcome(replyTo: login[1]) == .accepted)

        let invalid = try messages("auth-invalid.txt")
        let rejected = ESLAuthOutcome(replyTo: invalid[1])
        #expect(rejected == .rejected(replyText: "-ERR invalid"))
        #expect(rejected.isPermanentFailure)
        guard case .disconnectNotice(let notice) = invalid[2] else {
            Issue.record("no notice")
            return
        }
        #expect(!notice.isLinger)
        #expect(notice.disposition == nil)
        #expect(ESLAuthOutcome(replyTo: invalid[2]) == .disconnected(text: notice.text))

        let rude = try messages("rude-rejection.txt")
        #expect(rude == [.rudeRejection(text: "Access Denied, go away.\n")])
        #expect(ESLAuthOutcome(replyTo: rude[0]) == .refusedByACL(text: "Access Denied, go away.\n"))
        #expect(ESLAuthOutcome(replyTo: rude[0]).isPermanentFailure)

        let job = try messages("bgapi-job.txt")
        guard case .commandReply(let reply) = job[0], case .event(let event) = job[1] else {
            Issue.record("bgapi")
            return
        }
        #expect(reply.isOK)
        #expect(reply.jobUUID == event.jobUUID)
        #expect(event.backgroundJobResult == ESLReply(text: "-ERR NO_ANSWER\n", jobUUID: reply.jobUUID))
        #expect(event.backgroundJobResult?.detail == "NO_ANSWER")
        #expect(event.value("Job-Command-Arg")?.hasPrefix("{origination_uuid=c0ffee00") == true)

        #expect(ESLReply(text: "-USAGE: originate <url>\n", jobUUID: nil).isFailure)
        #expect(ESLReply(text: "UP 0 years", jobUUID: nil).status == .other)
        #expect(ESLReply(text: "+OK", jobUUID: nil).detail == "")
    }

    @Test func otherContentTypesStayFrames() throws {
        let frame = try ESLFrame(
            wireBytes: "Content-Type: log/data\nContent-Length: 2\nLog-Level: 7\n\nhi".bytes)
        guard case .other(let same) = try ESLMessage(frame) else {
            Issue.record("log/data")
            return
        }
        #expect(same.headers.value("Log-Level") == "7")
    }
}
