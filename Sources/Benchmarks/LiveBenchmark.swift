import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport

/// Throughput of the live translation layer, for `simcc bench` and the tests.
public enum LiveBenchmark {
    /// What a run measured.
    public struct Result: Hashable, Sendable {
        /// Events translated.
        public var events: Int
        /// Dialer events produced (a check that the work was done).
        public var dialerEvents: Int
        /// Wall-clock seconds spent translating.
        public var seconds: Double
        /// Events translated per second.
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Translates `count` typical channel events with a `DialerBridge`: per call, CHANNEL_ANSWER,
    /// CHANNEL_BRIDGE (agent from `variable_cc_agent`), CHANNEL_HANGUP, CHANNEL_HANGUP_COMPLETE
    /// (a duplicate, ignored) and a CHANNEL_PROGRESS of a channel that is not ours (ignored).
    /// Events are decoded beforehand (the decoder has its own benchmark, `ESLBenchmark`); the
    /// time includes re-originating each call of a window of 256 (the bridge's bookkeeping).
    public static func translateDialerEvents(count: Int) -> Result {
        var configuration = LiveConfiguration()
        configuration.agents = (0..<8).map {
            LiveConfiguration.Agent(id: AgentID($0), name: "10\($0)0@default", exten: "10\($0)0")
        }
        guard var bridge = try? DialerBridge(configuration: configuration) else {
            return Result(events: 0, dialerEvents: 0, seconds: 0)
        }
        let window = 256
        var factory = FreeSWITCHEventFactory()
        var events: [ESLEvent] = []
        events.reserveCapacity(window * 5)
        for i in 0..<window {
            let call = CallID(UInt64(i + 1))
            let leg = FreeSWITCHEventFactory.outboundLeg(
                call: call, contract: ContractID(i), number: "5551\(1000 + i)", configuration: configuration)
            let agent = configuration.agents[i % 8]
            let agentLeg = FreeSWITCHEventFactory.Leg(
                uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(i)), direction: "outbound",
                channelName: "sofia/internal/\(agent.exten)@192.0.2.20", callerNumber: "5551",
                destinationNumber: agent.exten)
            let foreign = FreeSWITCHEventFactory.inboundLeg(
                uuid: FreeSWITCHEventFactory.foreignUUID(UInt64(i) + 1 << 32), caller: "5550100", service: "4000")
            let frames = [
                factory.answer(leg, at: 1), factory.bridge(leg, to: agentLeg, ccAgent: agent.name, at: 2),
                factory.hangup(leg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: 3),
                factory.hangup(leg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 3),
                factory.progress(foreign, at: 3),
            ]
            for bytes in frames {
                guard let frame = try? ESLFrame(wireBytes: bytes), let event = try? ESLEvent(frame) else { continue }
                events.append(event)
            }
        }
        var translated = 0
        var produced = 0
        var out: [DialerEvent] = []
        out.reserveCapacity(4)
        let clock = ContinuousClock()
        let start = clock.now
        outer: while translated < count {
            for i in 0..<window {
                _ = bridge.commands(
                    for: .originate(CallID(UInt64(i + 1)), ContractID(i), number: "5551\(1000 + i)"), at: 0)
            }
            for event in events {
                out.removeAll(keepingCapacity: true)
                bridge.events(for: event, at: 1, into: &out)
                produced += out.count
                translated += 1
                if translated == count { break outer }
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(events: translated, dialerEvents: produced, seconds: seconds)
    }
}
