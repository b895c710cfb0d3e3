import EventSocket
import Testing

/// Framing rules, malformed input, caps, the end of the stream.
@Suite struct DecoderTests {
    @Test func headerOnlyFramesAndBodies() throws {
        let stream = "Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 4\n\n+OK\n"
            .bytes
        let outcome = decodeWhole(stream)
        #expect(outcome.error == nil)
        #expect(outcome.frames.count == 2)
        #expect(outcome.frames[0].contentType == "auth/request")
        #expect(outcome.frames[0].body.isEmpty)
        #expect(outcome.frames[1].bodyText == "+OK\n")
        #expect(outcome.frames[1].streamOffset == 28)
        #expect(outcome.frames[1].headers.names == ["Content-Type", "Content-Length"])
    }

    @Test func contentLengthCountsBytesNotCharacters() throws {
        let body = "José 👋\n"  // 12 bytes, 7 characters
        let stream =
            "Content-Type: api/response\nContent-Length: \(body.utf8.count)\n\n\(body)Content-Type: auth/request\n\n"
        let outcome = decodeWhole(stream.bytes)
        #expect(outcome.error == nil)
        #expect(outcome.frames.map(\.bodyText) == [body, ""])
    }

    @Test func strayNewlinesBetweenFramesAreSkipped() throws {
        let stream = "\n\r\nContent-Type: auth/request\n\n\n\nContent-Type: auth/request\n\n\n".bytes
        let outcome = decodeWhole(stream)
        #expect(outcome.error == nil)
        #expect(outcome.frames.map(\.streamOffset) == [3, 33])
        #expect(decodeByteByByte(stream) == outcome)
    }

    @Test func crlfLineEndsAreTolerated() throws {
        let stream =
            "Content-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\nContent-Type: auth/request\n\n"
            .bytes
        let outcome = decodeByteByByte(stream)
        #expect(outcome.error == nil)
        #expect(outcome.frames.count == 2)
        #expect(outcome.frames[0].headers.value("Reply-Text") == "+OK accepted")
        #expect(outcome.frames[0].contentType == "command/reply")
        #expect(decodeWhole(stream) == outcome)
    }

    @Test func headerLinesWithoutColonSpaceAreErrors() throws {
        for (text, offset) in [
            ("Content-Type: auth/request\nGarbage line\n\n", 27),
            ("Content-Type:auth/request\n\n", 0),
            (": no name\n\n", 0),
            ("Content-Type: auth/request\n\nHTTP/1.1 200 OK\nServer: x\n\n", 28),
        ] {
            let outcome = decodeWhole(text.bytes)
            #expect(outcome.error == ESLDecodingError(.malformedHeaderLine, offset: offset), "\(text)")
            #expect(decodeByteByByte(text.bytes) == outcome)
        }
    }

    @Test func contentLengthMustBeABytesCount() throws {
        for value in ["-1", "12a", " 4", "4 ", "", "0x10", "9999999999999"] {
            let stream = "Content-Type: api/response\nContent-Length: \(value)\n\n+OK\n".bytes
            let outcome = decodeWhole(stream)
            guard case .invalidContentLength = outcome.error?.kind else {
                Issue.record("Content-Length \"\(value)\": \(String(describing: outcome.error))")
                continue
            }
            #expect(outcome.error?.offset == 0)
        }
    }

    @Test func missingContentTypeIsAnErrorUnlessAllowed() throws {
        let stream = "Reply-Text: +OK\n\n".bytes
        #expect(decodeWhole(stream).error == ESLDecodingError(.missingContentType, offset: 0))
        #expect(decodeWhole(stream, decoder: ESLDecoder(requireContentType: false)).frames.count == 1)
    }

    @Test func capsAreEnforcedWhateverTheChunking() throws {
        let limits = ESLDecoder.Limits(maxHeaderBlockBytes: 64, maxBodyBytes: 100)
        let longHeader = "Content-Type: api/response\nX-Long: \(String(repeating: "a", count: 60))\n\n".bytes
        let unterminated = "Content-Type: api/response\nX-Long: \(String(repeating: "a", count: 200))".bytes
        let bigBody =
            "Content-Type: api/response\nContent-Length: 101\n\n".bytes + [UInt8](repeating: 0x41, count: 101)
        let okBody =
            "Content-Type: api/response\nContent-Length: 100\n\n".bytes + [UInt8](repeating: 0x41, count: 100)
        let exactHeader = "Content-Type: api/response\nX: \(String(repeating: "b", count: 32))\n\n".bytes
        #expect(exactHeader.count == 64)
        let cases: [([UInt8], ESLDecodingError?)] = [
            (longHeader, ESLDecodingError(.headerBlockTooLarge(limit: 64), offset: 0)),
            (unterminated, ESLDecodingError(.headerBlockTooLarge(limit: 64), offset: 0)),
            (bigBody, ESLDecodingError(.bodyTooLarge(contentLength: 101, limit: 100), offset: 0)),
            (okBody, nil),
            (exactHeader, nil),
        ]
        for (bytes, expected) in cases {
            let decoder = ESLDecoder(limits: limits)
            #expect(decodeWhole(bytes, decoder: decoder).error == expected)
            #expect(decodeByteByByte(bytes, decoder: decoder).error == expected)
        }
        // The body cap applies as soon as the header block is read, before any body byte.
        var decoder = ESLDecoder(limits: limits)
        decoder.append("Content-Type: api/response\nContent-Length: 5000000\n\n".bytes)
        #expect(throws: ESLDecodingError(.bodyTooLarge(contentLength: 5_000_000, limit: 100), offset: 0)) {
            try decoder.next()
        }
        #expect(
            ESLDecodingError(.bodyTooLarge(contentLength: 5_000_000, limit: 100), offset: 0).description
                .contains("maxBodyBytes"))
    }

    @Test("an event's body has its own, smaller cap (1 MiB by default): a corrupt length fails at once; an api reply may be larger")
    func eventBodyCap() throws {
        var events = ESLDecoder()
        events.append("Content-Type: text/event-plain\nContent-Length: 2000000\n\n".bytes)
        #expect(throws: ESLDecodingError(.bodyTooLarge(contentLength: 2_000_000, limit: 1_048_576), offset: 0)) {
            try events.next()
        }
        var replies = ESLDecoder()
        replies.append("Content-Type: api/response\nContent-Length: 2000000\n\n".bytes + [UInt8](repeating: 0x41, count: 2_000_000))
        #expect(try replies.next()?.body.count == 2_000_000)
        // Overridable.
        var small = ESLDecoder(limits: ESLDecoder.Limits(maxEventBodyBytes: 10))
        small.append("Content-Type: text/event-json\nContent-Length: 11\n\n{\"a\":\"bcd\"}".bytes)
        #expect(throws: ESLDecodingError(.bodyTooLarge(contentLength: 11, limit: 10), offset: 0)) { try small.next() }
    }

    @Test func errorsAreFinal() throws {
        var decoder = ESLDecoder()
        decoder.append("Content-Type: auth/request\n\nbad\n\n".bytes)
        #expect(try decoder.next()?.contentType == "auth/request")
        #expect(throws: ESLDecodingError(.malformedHeaderLine, offset: 28)) { try decoder.next() }
        decoder.append("Content-Type: auth/request\n\n".bytes)
        #expect(throws: ESLDecodingError(.malformedHeaderLine, offset: 28)) { try decoder.next() }
        #expect(throws: ESLDecodingError(.malformedHeaderLine, offset: 28)) { try decoder.finish() }
    }

    @Test func endOfStreamInsideAFrameIsTruncated() throws {
        var decoder = ESLDecoder()
        decoder.append("Content-Type: api/response\nContent-Length: 10\n\n+OK".bytes)
        #expect(try decoder.next() == nil)
        #expect(throws: ESLDecodingError(.truncatedFrame(bytesMissing: 7), offset: 0)) {
            try decoder.finish()
        }

        var inHeaders = ESLDecoder()
        inHeaders.append("Content-Type: auth/request\n\nContent-Ty".bytes)
        #expect(try inHeaders.next() != nil)
        #expect(try inHeaders.next() == nil)
        #expect(throws: ESLDecodingError(.truncatedFrame(bytesMissing: 0), offset: 28)) {
            try inHeaders.finish()
        }
        #expect(
            ESLDecodingError(.truncatedFrame(bytesMissing: 0), offset: 28).description.contains(
                "truncated frame"))

        var clean = ESLDecoder()
        clean.append("Content-Type: auth/request\n\n\n".bytes)
        #expect(try clean.next() != nil)
        try clean.finish()
    }

    @Test func garbageGivesTypedErrors() throws {
        var rng = SplitMix64(seed: 0xBAD)
        for round in 0..<200 {
            let length = 1 + rng.below(3000)
            let alphabet: [UInt8] = round % 2 == 0 ? Array(0...255) : ": \n\r%aZ09-".bytes
            let bytes = (0..<length).map { _ in alphabet[rng.below(alphabet.count)] }
            let decoder = ESLDecoder(limits: .init(maxHeaderBlockBytes: 1024, maxBodyBytes: 2048))
            let outcome = decodeWhole(bytes, decoder: decoder)
            #expect(
                decode(bytes, cuts: randomCuts(count: bytes.count, maxChunk: 50, rng: &rng), decoder: decoder)
                    == outcome)
            for frame in outcome.frames { _ = try? ESLMessage(frame) }
        }
        // A peer that is not FreeSWITCH at all.
        let http = decodeWhole("GET / HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
        #expect(http.error == ESLDecodingError(.malformedHeaderLine, offset: 0))
        let binary = decodeWhole([0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00])
        #expect(binary.error == ESLDecodingError(.truncatedFrame(bytesMissing: 0), offset: 0))
    }

    @Test func longStreamsCompactTheBuffer() throws {
        let frame =
            "Content-Type: api/response\nContent-Length: 1000\n\n".bytes
            + [UInt8](repeating: 0x2E, count: 1000)
        var decoder = ESLDecoder()
        var count = 0
        for _ in 0..<300 {
            decoder.append(frame + frame.prefix(10))
            while let decoded = try decoder.next() {
                #expect(decoded.body.count == 1000)
                count += 1
            }
            decoder.append(frame.dropFirst(10))
            while try decoder.next() != nil { count += 1 }
        }
        try decoder.finish()
        #expect(count == 600)
        #expect(decoder.consumedByteCount == 600 * frame.count)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func rawBufferAppend() throws {
        var decoder = ESLDecoder()
        "Content-Type: auth/request\n\n".bytes.withUnsafeBytes { decoder.append($0) }
        #expect(try decoder.next()?.contentType == "auth/request")
        #expect(decoder.consumedByteCount == 28)
    }

    @Test func frameFromWireBytes() throws {
        let frame = try ESLFrame(wireBytes: "Content-Type: command/reply\nReply-Text: +OK\n\n".bytes)
        #expect(frame.headers.value("Reply-Text") == "+OK")
        #expect(throws: ESLDecodingError.self) { try ESLFrame(wireBytes: "Content-Type: a\n".bytes) }
    }
}
