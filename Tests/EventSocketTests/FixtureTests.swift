import EventSocket
import Testing

/// The decoder against every frame of the real captures, as MANIFEST.tsv lists them.
@Suite struct FixtureTests {
    /// Checks one decoded frame against its manifest row; returns nothing, records issues.
    func check(_ frame: ESLFrame, against row: ManifestRow) {
        #expect(frame.streamOffset == row.offset, "\(row) offset")
        #expect(frame.contentType == row.contentType, "\(row) content type")
        #expect(frame.contentLength == row.contentLength, "\(row) content length")
        #expect(frame.body.count == (row.contentLength ?? 0), "\(row) body is Content-Length bytes")
        let message: ESLMessage
        do {
            message = try ESLMessage(frame)
        } catch {
            // The one frame of the captures that is not a valid message: fsock's paste defect.
            #expect(row.description == "fsock/test_data.txt#33@91756", "\(row): \(error)")
            #expect(error == ESLDecodingError(.emptyEvent, offset: row.offset))
            return
        }
        var event: ESLEvent?
        if case .event(let e) = message { event = e }
        let eventName = event?.eventName ?? frame.headers.value("Event-Name")
        #expect(eventName == row.eventName, "\(row) Event-Name")
        for detail in row.details {
            if detail.key == "body" {
                #expect(frame.bodyText.hasPrefix(detail.value), "\(row) body")
                #expect(detail.value.count == min(60, frame.bodyText.count), "\(row) body length")
            } else if detail.quoted || event == nil {
                #expect(frame.headers.value(detail.key) == detail.value, "\(row) outer \(detail.key)")
            } else {
                #expect(event?.value(detail.key) == detail.value, "\(row) event \(detail.key)")
            }
        }
    }

    @Test func everyManifestFrameDecodesWhole() throws {
        let rows = try manifest()
        #expect(rows.count == 334)
        for file in manifestFiles(rows) {
            let expected = rows.filter { $0.file == file }
            let outcome = decodeWhole(try fixture(file), decoder: decoderFor(file))
            #expect(outcome.error == nil, "\(file): \(String(describing: outcome.error))")
            #expect(outcome.frames.count == expected.count, "\(file) frame count")
            for (frame, row) in zip(outcome.frames, expected) { check(frame, against: row) }
        }
    }

    @Test func byteByByteGivesTheSameFrames() throws {
        let rows = try manifest()
        for file in manifestFiles(rows) {
            let bytes = try fixture(file)
            let whole = decodeWhole(bytes, decoder: decoderFor(file))
            let single = decodeByteByByte(bytes, decoder: decoderFor(file))
            #expect(single == whole, "\(file) fed byte by byte")
        }
    }

    @Test func randomChunksGiveTheSameFrames() throws {
        let rows = try manifest()
        var rng = SplitMix64(seed: 0x5EED_0001)
        for file in manifestFiles(rows) {
            let bytes = try fixture(file)
            let whole = decodeWhole(bytes, decoder: decoderFor(file))
            for maxChunk in [3, 64, 1500, 70_000] {
                let cuts = randomCuts(count: bytes.count, maxChunk: maxChunk, rng: &rng)
                #expect(
                    decode(bytes, cuts: cuts, decoder: decoderFor(file)) == whole,
                    "\(file) chunks ≤ \(maxChunk)")
            }
        }
    }

    /// Two-chunk feeds split at every offset. Files up to 2 KB: every offset of the whole file.
    /// Larger files: every offset of the first 1 KB (decoding the whole frames that start
    /// there), then a seeded sample of offsets over the whole file. (Feeding byte by byte,
    /// above, already cuts every file at every offset at once.)
    @Test func splitAtEveryOffset() throws {
        let rows = try manifest()
        var rng = SplitMix64(seed: 0x5EED_0002)
        for file in manifestFiles(rows) {
            let bytes = try fixture(file)
            let whole = decodeWhole(bytes, decoder: decoderFor(file))
            var prefix = bytes
            var cutLimit = bytes.count
            if bytes.count > 2 * 1024 {
                cutLimit = 1024
                // The shortest run of whole frames that covers the first 1 KB.
                let end =
                    whole.frames.first { $0.streamOffset + $0.byteCount >= cutLimit }
                    .map { $0.streamOffset + $0.byteCount } ?? bytes.count
                prefix = Array(bytes[0..<end])
            }
            let prefixWhole = decodeWhole(prefix, decoder: decoderFor(file))
            #expect(prefixWhole.error == nil)
            for cut in 0...cutLimit {
                let split = decode(prefix, cuts: [cut], decoder: decoderFor(file))
                if split != prefixWhole {
                    Issue.record("\(file): split at \(cut) differs")
                    break
                }
            }
            guard bytes.count > prefix.count else { continue }
            for _ in 0..<12 {
                let cut = rng.below(bytes.count + 1)
                #expect(
                    decode(bytes, cuts: [cut], decoder: decoderFor(file)) == whole, "\(file): split at \(cut)"
                )
            }
        }
    }

    /// fsock/test_data.txt, byte 91756: the header line `uuid_transfer Content-Length: 720` is a
    /// paste artefact. It is well-formed (name `uuid_transfer Content-Length`), so that frame has
    /// no Content-Length and an empty body, and the HEARTBEAT body after it reads as a header
    /// block without Content-Type. Decision: the decoder does not guess. Read leniently
    /// (`requireContentType: false`) it yields the 46 frames of MANIFEST.tsv, 44 of which parse
    /// as events (fsock's own reader counts 45: it also dispatches the headers-only HEARTBEAT);
    /// the empty one throws `emptyEvent` and the stray HEARTBEAT body is `.other`. Read strictly
    /// (the default, as the live adapter will) it stops with `missingContentType` at byte 91822,
    /// after 34 frames: the stream is out of step there and the adapter must reconnect.
    @Test func fsockPasteDefect() throws {
        let bytes = try fixture("fsock/test_data.txt")
        #expect(bytes.first == 0x0A, "the capture starts with a stray newline")
        let lenient = decodeWhole(bytes, decoder: ESLDecoder(requireContentType: false))
        #expect(lenient.error == nil)
        #expect(lenient.frames.count == 46)
        var events = 0
        var failures = [ESLDecodingError]()
        var others = 0
        for frame in lenient.frames {
            do {
                switch try ESLMessage(frame) {
                case .event: events += 1
                case .other: others += 1
                default: Issue.record("unexpected message at \(frame.streamOffset)")
                }
            } catch {
                failures.append(error)
            }
        }
        #expect(events == 44)
        #expect(others == 1)
        #expect(failures == [ESLDecodingError(.emptyEvent, offset: 91756)])
        let broken = lenient.frames[33]
        #expect(broken.headers.names == ["uuid_transfer Content-Length", "Content-Type"])
        #expect(broken.contentLength == nil)
        #expect(lenient.frames[34].contentType == nil)
        #expect(lenient.frames[34].headers.value("Event-Name") == "HEARTBEAT")

        let strict = decodeWhole(bytes)
        #expect(strict.frames.count == 34)
        #expect(strict.error == ESLDecodingError(.missingContentType, offset: 91822))
        #expect(strict.frames == Array(lenient.frames.prefix(34)))
    }

    /// switchio/eventstream.txt: someone decoded the CHANNEL_CREATE values by hand, so
    /// `variable_switch_r_sdp` spans many lines inside the body. Event-plain parsing takes a
    /// line without ": " as the continuation of the previous value.
    @Test func switchioMultiLineValue() throws {
        let outcome = decodeWhole(try fixture("switchio/eventstream.txt"))
        #expect(outcome.error == nil)
        let frame = try #require(outcome.frames.last)
        let event = try ESLEvent(frame)
        #expect(event.eventName == "CHANNEL_CREATE")
        let sdp = try #require(event.variable("switch_r_sdp"))
        #expect(sdp.hasPrefix("v=0\no=- 3631463817 3631463817 IN IP4 172.16.7.70\ns=pjmedia\n"))
        #expect(sdp.hasSuffix("a=fmtp:101 0-15\na=rtcp:4017 IN IP4 172.16.7.70"))
        #expect(sdp.split(separator: "\n").count == 21)
        #expect(event.body == nil)
        #expect(event.headers.names.last == "variable_switch_r_sdp")
    }

    /// The 509-byte JSON event delivered in two writes split after `"Core-UUID"`, as the
    /// freeswitch-esl.cr spec does.
    @Test func jsonEventsAndTheirSpecSplit() throws {
        let bytes = try fixture("freeswitch-esl-cr/api-event-json-uptime.txt")
        let whole = decodeWhole(bytes)
        let frame = try #require(whole.frames.first)
        let bodyStart = frame.byteCount - 509
        #expect(decode(bytes, cuts: [bodyStart + 31], decoder: ESLDecoder()) == whole)
        let event = try ESLEvent(frame)
        #expect(event.format == .json)
        #expect(event.eventName == "API")
        #expect(event.value("Event-Sequence").flatMap { Int($0) } != nil)
        let sofia = try ESLEvent(
            try #require(
                decodeWhole(try fixture("freeswitch-esl-cr/api-event-json-sofia-status.txt")).frames.first))
        #expect(sofia.value("API-Command") == "sofia")
    }

    @Test func backgroundJobsCorrelateByJobUUID() throws {
        let frames = decodeWhole(try fixture("neventsocket/inbound-auth-bgapi-originate-fail.txt")).frames
        let messages = try frames.map { try ESLMessage($0) }
        #expect(messages.first == .authRequest)
        guard case .commandReply(let auth) = messages[1], case .commandReply(let bgapi) = messages[3],
            case .event(let job) = messages[4]
        else {
            Issue.record("unexpected messages \(messages)")
            return
        }
        #expect(ESLAuthOutcome(replyTo: messages[1]) == .accepted)
        #expect(auth.text == "+OK accepted")
        #expect(bgapi.jobUUID == "43e14ab9-38b1-4187-9f08-e13f35136bb2")
        #expect(job.jobUUID == bgapi.jobUUID)
        let result = try #require(job.backgroundJobResult)
        #expect(result.status == .error)
        #expect(result.detail == "RECOVERY_ON_TIMER_EXPIRE")

        let switchio = try decodeWhole(try fixture("switchio/bgapi-originate-unsplit.txt")).frames.map {
            try ESLMessage($0)
        }
        guard case .event(let originate) = switchio[1] else {
            Issue.record("no BACKGROUND_JOB")
            return
        }
        #expect(originate.body?.count == 41)
        #expect(originate.backgroundJobResult?.isOK == true)
        #expect(originate.backgroundJobResult?.detail == "8de782e0-83c9-11e7-af1b-001500e3e25c")
        #expect(
            originate.value("Job-Command-Arg")?.contains(
                "origination_uuid=8de782e0-83c9-11e7-af1b-001500e3e25c") == true)
        #expect(
            originate.value("Job-Command-Arg")?.hasSuffix("sofia/external/doggy@192.168.0.105:5080 &park()")
                == true)
    }

    @Test func disconnectNoticesAndTheConnectReply() throws {
        let frames = decodeWhole(try fixture("neventsocket/Example1.txt")).frames
        let messages = try frames.map { try ESLMessage($0) }
        guard case .commandReply(let connect) = messages[0] else {
            Issue.record("connect reply")
            return
        }
        #expect(connect.text == "+OK")  // `Reply-Text: %2BOK%0A`, decoded, final newline dropped
        #expect(frames[0].headers.rawValue("Reply-Text") == "%2BOK%0A".bytes)
        guard case .disconnectNotice(let linger) = messages[20],
            case .disconnectNotice(let bye) = messages[26]
        else {
            Issue.record("notices")
            return
        }
        #expect(linger.isLinger)
        #expect(!bye.isLinger)
        #expect(bye.text.count == 67)
        #expect(bye.controlledSessionUUID != nil)
    }

    /// Cutting a stream at every byte: the frames before the cut come out, and the end of the
    /// stream then reports `truncatedFrame` at the start of the cut frame (nothing at a boundary).
    @Test func truncationAtEveryOffset() throws {
        for file in [
            "neventsocket/inbound-auth-bgapi-originate-fail.txt", "switchio/bgapi-originate-unsplit.txt",
        ] {
            let bytes = try fixture(file)
            let whole = decodeWhole(bytes)
            for cut in 0...bytes.count {
                let outcome = decodeWhole(Array(bytes[0..<cut]))
                let complete = whole.frames.filter { $0.streamOffset + $0.byteCount <= cut }
                #expect(outcome.frames == complete)
                if let cutFrame = whole.frames.first(where: {
                    $0.streamOffset < cut && $0.streamOffset + $0.byteCount > cut
                }) {
                    guard case .truncatedFrame = outcome.error?.kind,
                        outcome.error?.offset == cutFrame.streamOffset
                    else {
                        Issue.record("\(file) cut at \(cut): \(String(describing: outcome.error))")
                        break
                    }
                } else {
                    #expect(outcome.error == nil, "\(file) cut at \(cut)")
                }
            }
        }
    }
}
