import EventSocket

/// Throughput measurement of the decoder, for `simcc bench --esl`.
public enum ESLBenchmark {
    /// Decodes `count` typical channel events (text/event-plain CHANNEL_* frames of about
    /// 1.5 KB, URL-encoded values as FreeSWITCH writes them) fed in 64 KiB chunks, parsing
    /// each event and reading its `Event-Name` and `Unique-ID`.
    /// - Returns: the number of events decoded (== `count` unless decoding failed) and the
    ///   wall-clock seconds spent decoding (building the input is not timed).
    public static func decodeChannelEvents(count: Int) -> (events: Int, seconds: Double) {
        let stream = channelEventStream(eventsPerChunk: 40)
        let chunk = stream.bytes
        let rounds = max(1, (count + stream.events - 1) / stream.events)
        var decoder = ESLDecoder()
        var events = 0
        var checksum = 0
        let clock = ContinuousClock()
        let start = clock.now
        outer: for _ in 0..<rounds {
            decoder.append(chunk)
            while true {
                guard let frame = try? decoder.next() else { break }
                guard let event = try? ESLEvent(frame) else { break outer }
                checksum &+= event.eventName?.utf8.count ?? 0
                checksum &+= event.uniqueID?.utf8.count ?? 0
                events += 1
                if events == count { break outer }
            }
        }
        let elapsed = clock.now - start
        let seconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        precondition(checksum > 0 || events == 0, "benchmark decoded nothing")
        return (events, seconds)
    }

    /// A run of synthetic CHANNEL_* events (the header set of the captures' CHANNEL_ANSWER,
    /// trimmed to about 1.5 KB), `eventsPerChunk` of them back to back.
    public static func channelEventStream(eventsPerChunk: Int) -> (bytes: [UInt8], events: Int) {
        var bytes = [UInt8]()
        let names = [
            "CHANNEL_CREATE", "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP",
        ]
        for i in 0..<eventsPerChunk {
            let body = Array(channelEventBody(name: names[i % names.count], index: i).utf8)
            bytes += Array("Content-Length: \(body.count)\nContent-Type: text/event-plain\n\n".utf8)
            bytes += body
        }
        return (bytes, eventsPerChunk)
    }

    /// One event-plain body shaped like FreeSWITCH's CHANNEL_ANSWER (values URL-encoded).
    static func channelEventBody(name: String, index: Int) -> String {
        let uuid = "78b86350-4fb8-4d2b-a629-\(String(100_000_000_000 + index))"
        let headers: [(String, String)] = [
            ("Event-Name", name),
            ("Core-UUID", "8694f653-a9cd-4e6c-9fb8-4c7cd4d3ae3c"),
            ("FreeSWITCH-Hostname", "fs1.example.net"),
            ("FreeSWITCH-IPv4", "10.0.0.5"),
            ("Event-Date-Local", "2015-06-14%2016%3A22%3A25"),
            ("Event-Date-Timestamp", "1434295345472000"),
            ("Event-Calling-File", "switch_channel.c"),
            ("Event-Calling-Function", "switch_channel_perform_mark_answered"),
            ("Event-Calling-Line-Number", "3803"),
            ("Event-Sequence", String(9000 + index)),
            ("Channel-State", "CS_EXECUTE"),
            ("Channel-Call-State", "ACTIVE"),
            ("Channel-State-Number", "4"),
            ("Channel-Name", "sofia/internal/1000%40192.168.1.10"),
            ("Unique-ID", uuid),
            ("Call-Direction", "inbound"),
            ("Channel-Call-UUID", uuid),
            ("Answer-State", "answered"),
            ("Channel-Read-Codec-Name", "PCMU"),
            ("Channel-Read-Codec-Rate", "8000"),
            ("Channel-Write-Codec-Name", "PCMU"),
            ("Channel-Write-Codec-Rate", "8000"),
            ("Caller-Direction", "inbound"),
            ("Caller-Username", "1000"),
            ("Caller-Dialplan", "XML"),
            ("Caller-Caller-ID-Name", "Extension%201000"),
            ("Caller-Caller-ID-Number", "1000"),
            ("Caller-Network-Addr", "192.168.1.20"),
            ("Caller-Destination-Number", "5551234"),
            ("Caller-Unique-ID", uuid),
            ("Caller-Context", "default"),
            ("Caller-Channel-Name", "sofia/internal/1000%40192.168.1.10"),
            ("Caller-Channel-Created-Time", "1434295343232000"),
            ("Caller-Channel-Answered-Time", "1434295345472000"),
            ("variable_direction", "inbound"),
            ("variable_uuid", uuid),
            ("variable_sip_from_user", "1000"),
            ("variable_sip_from_uri", "1000%40192.168.1.10"),
            ("variable_sip_user_agent", "Telephone%201.1.4"),
            ("variable_origination_uuid", uuid),
            ("variable_endpoint_disposition", "ANSWER"),
        ]
        var text = ""
        for (name, value) in headers { text += name + ": " + value + "\n" }
        return text + "\n"
    }
}
