import CallCenter
import Live
import RoutingPolicies
import Testing

/// FreeSWITCH's `api` replies are untrusted input: a seeded property test over mutated real
/// replies. Each parser either returns or throws its typed error, never traps, and what it
/// returns is usable (a call's status, the parked calls, agents with names).
@Suite("Live: mutated api replies never trap the parsers")
struct ReplyFuzzTests {
    /// `seed` mutated once: a byte flipped, deleted, duplicated, a cut, or a separator inserted.
    static func mutate(_ seed: String, _ rng: inout SplitMix64) -> String {
        var bytes = Array(seed.utf8)
        guard !bytes.isEmpty else { return seed }
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 6 {
        case 0: bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
        case 1: bytes.remove(at: at)
        case 2: bytes.insert(bytes[at], at: at)
        case 3: bytes.removeSubrange(at...)
        case 4: bytes.insert(UInt8(ascii: "|"), at: at)
        default: bytes.insert(contentsOf: Array("\",\"uuid\":\"".utf8), at: at)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("show calls / show channels: 4,000 mutations")
    func channelReplies() {
        let seeds = [
            ChannelReplies.callsBridgedToGateway, ChannelReplies.channelsRinging, ChannelReplies.channelsBridged,
            ChannelReplies.callsExtensionToExtension, ChannelReplies.callsUnbridged,
        ]
        var rng = SplitMix64(seed: 0x5EED_C4A1)
        var parsed = 0, refused = 0
        let roster = [LiveConfiguration.Agent(id: AgentID(0), name: "1000", exten: "1000")]
        for i in 0..<4_000 {
            var text = seeds[i % seeds.count]
            for _ in 0...(rng.next() % 3) { text = Self.mutate(text, &rng) }
            do {
                let list = try LiveChannelList.parse(text)
                parsed += 1
                for channel in list.channels { _ = list.status(ofCall: channel.uuid, roster: roster) }
                #expect(list.parkedInboundCalls.allSatisfy { $0.isInbound })
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed > 0 && refused > 0, "the mutations reach both outcomes: \(parsed) parsed, \(refused) refused")
    }

    @Test("callcenter_config agent list: 4,000 mutations")
    func agentReplies() {
        let seeds = [AgentListReplies.real, AgentListReplies.synthetic]
        var rng = SplitMix64(seed: 0x5EED_A6E7)
        var parsed = 0, refused = 0
        for i in 0..<4_000 {
            var text = seeds[i % seeds.count]
            for _ in 0...(rng.next() % 3) { text = Self.mutate(text, &rng) }
            do {
                let agents = try CallCenterAgentList.parse(agentList: text, timeOfEpoch: { Seconds($0) })
                parsed += 1
                #expect(agents.keys.allSatisfy { !$0.isEmpty })
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed > 0 && refused > 0, "the mutations reach both outcomes: \(parsed) parsed, \(refused) refused")
    }
}
