import EventSocket
import Testing

/// A seeded property test over mutated fixture frames: the decoder never traps or hangs, it
/// either decodes or throws `ESLDecodingError`, and the outcome does not depend on chunking.
@Suite struct FuzzTests {
    /// The seeds: small real frames (the first frames of the captures, cut at a frame boundary)
    /// and the synthetic corpus.
    func seeds() throws -> [[UInt8]] {
        var seeds = [[UInt8]]()
        for name in [
            "inbound-login.txt", "auth-invalid.txt", "rude-rejection.txt", "bgapi-job.txt",
            "callcenter-info.txt",
            "json-background-job.txt", "percent-edge.txt",
        ] {
            seeds.append(try fixture("corpus/" + name))
        }
        seeds.append(try fixture("neventsocket/inbound-auth-bgapi-originate-fail.txt"))
        seeds.append(try fixture("freeswitch-esl-cr/api-event-json-uptime.txt"))
        let fsock = try fixture("fsock/test_data.txt")
        seeds.append(Array(fsock[0..<1389]))  // stray newline, HEARTBEAT, RE_SCHEDULE
        let switchio = try fixture("switchio/bgapi-originate-unsplit.txt")
        seeds.append(Array(switchio[0..<1240]))  // bgapi reply + BACKGROUND_JOB
        return seeds
    }

    /// One random edit of `bytes`: flip, insert (often a protocol byte), delete, change a
    /// Content-Length digit, duplicate a range, or truncate.
    func mutate(_ input: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let special: [UInt8] = "\n\n:% 0123456789\r".bytes
        for _ in 0...rng.below(3) {
            guard !bytes.isEmpty else { return bytes }
            let at = rng.below(bytes.count)
            switch rng.below(7) {
            case 0: bytes[at] ^= UInt8(1 << rng.below(8))
            case 1: bytes.insert(special[rng.below(special.count)], at: at)
            case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            case 3: bytes.remove(at: at)
            case 4:
                // Change a digit of some Content-Length value.
                let key = "Content-Length: ".bytes
                var positions = [Int]()
                var i = 0
                while i + key.count < bytes.count {
                    if bytes[i..<(i + key.count)].elementsEqual(key) { positions.append(i + key.count) }
                    i += 1
                }
                if let position = positions.isEmpty ? nil : positions[rng.below(positions.count)] {
                    bytes[position] = UInt8(0x30 + rng.below(10))
                }
            case 5:
                let length = min(1 + rng.below(200), bytes.count - at)
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: rng.below(bytes.count))
            default:
                bytes.removeSubrange(at...)
            }
        }
        return bytes
    }

    @Test func mutatedFramesDecodeOrFailCleanlyWhateverTheChunking() throws {
        let seeds = try seeds()
        for seed: UInt64 in [1, 2, 3, 4] {
            var rng = SplitMix64(seed: seed)
            for round in 0..<500 {
                let input = mutate(seeds[rng.below(seeds.count)], rng: &rng)
                let decoder =
                    round % 3 == 0
                    ? ESLDecoder(limits: .init(maxHeaderBlockBytes: 256, maxBodyBytes: 700))
                    : ESLDecoder(requireContentType: round % 2 == 0)
                let whole = decodeWhole(input, decoder: decoder)
                let cuts = randomCuts(count: input.count, maxChunk: 1 + rng.below(300), rng: &rng)
                let chunked = decode(input, cuts: cuts, decoder: decoder)
                if let error = whole.error, error.offset < 0 || error.offset > input.count {
                    Issue.record("seed \(seed) round \(round): error offset \(error.offset) outside the input")
                }
                if chunked != whole {
                    Issue.record("seed \(seed) round \(round): chunking changed the outcome")
                }
                if round % 25 == 0, decodeByteByByte(input, decoder: decoder) != whole {
                    Issue.record("seed \(seed) round \(round): byte-by-byte changed the outcome")
                }
                // Parsing the frames' content must not trap either; errors must be typed.
                for frame in whole.frames {
                    if let message = try? ESLMessage(frame), case .event(let event) = message {
                        _ = (event.eventName, event.uniqueID, event.callCenterInfo, event.backgroundJobResult)
                        _ = event.headers.pairs
                    }
                }
            }
        }
    }
}
