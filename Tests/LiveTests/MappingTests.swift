import FreeSWITCHFake
import Benchmarks
import CallCenter
import EventSocket
import Foundation
import Live
import LiveTestSupport
import Testing

@Suite("Live: identifiers, configuration, causes, agents, channel lists, captures, speed")
struct MappingTests {
    // MARK: Identifiers

    @Test("CallID(uuidString:) reads back uuidString, both cases, and refuses other UUIDs")
    func callIDRoundTrip() {
        for raw: UInt64 in [0, 1, 42, 0xFFF, 1 << 48, (1 << 60) - 1, 123_456_789_012] {
            let id = CallID(raw)
            #expect(CallID(uuidString: id.uuidString) == id)
            #expect(CallID(uuidString: id.uuidString.uppercased()) == id)
        }
        for text in [
            "", "8de782e0-83c9-11e7-af1b-001500e3e25c", "51cc0001-0000-4000-8000-00000000002a",
            "51cc0000-0000-4000-8000-00000000002", "51cc0000-0000-4000-8000x00000000002a",
            "51cc0000-0000-4000-8000-00000000002g", "51cc0000-0000-4000-9000-00000000002a",
        ] {
            #expect(CallID(uuidString: text) == nil, "\(text)")
        }
    }

    @Test("simcc UUIDs: kind in the first group, the call's number in the rest")
    func simccUUIDs() {
        #expect(SimccUUID.make(.call, 42) == CallID(42).uuidString)
        #expect(SimccUUID.make(.originateJob, 42) == "51cc0001-0000-4000-8000-00000000002a")
        #expect(SimccUUID.make(.execute, 0xABC) == "51cc0004-0000-4000-8000-000000000abc")
    }

    // MARK: Configuration

    @Test("the default configuration is valid")
    func defaultsValid() throws {
        try LiveConfiguration().validate()
        try W.configuration.validate()
    }

    @Test("values that would break a command are refused, naming the field")
    func refusals() {
        func refused(_ change: (inout LiveConfiguration) -> Void) -> String? {
            var c = W.configuration
            change(&c)
            do {
                try c.validate()
                return nil
            } catch {
                return error.field
            }
        }
        #expect(refused { $0.gateway = "carrier\n\nevent plain ALL" } == "gateway")
        #expect(refused { $0.gateway = "my carrier" } == "gateway")
        #expect(refused { $0.callerIDName = "Acme Bank" } == "caller_id_name")
        #expect(refused { $0.callerIDNumber = "4000,origination_uuid=x" } == "caller_id_number")
        #expect(refused { $0.dialStringTemplate = "sofia/gateway/{gateway}/5551234" } == "dial_string_template")
        #expect(refused { $0.dialStringTemplate = "sofia/gateway/{gateway}/{number}\r" } == "dial_string_template")
        #expect(refused { $0.variables = [.init("x", "a}b")] } == "variables.x")
        #expect(refused { $0.agents.append(.init(id: W.a0, name: "again", exten: "2000")) } == "agents")
        #expect(refused { $0.agents.append(.init(id: AgentID(7), name: "1000@default", exten: "2000")) } == "agents")
        #expect(refused { $0.agents[1].exten = "10 01" } == "agents.1001@default.extension")
        #expect(refused { $0.sounds.callbackMenu = "ivr/menu.wav\nsendmsg" } == "sounds.callback_menu")
        #expect(refused { $0.transferContext = "" } == "transfer_context")
        #expect(refused { $0.originateTimeout = 0 } == "originate_timeout")
        #expect(refused { $0.answeredCallDestination = .application("park", argument: "a b") } != nil)
        #expect(throws: LiveConfigurationError.self) {
            var c = W.configuration
            c.digitsVariable = "simcc digits"
            _ = try DialerBridge(configuration: c)
        }
    }

    @Test("sound files by prompt: the attempt's file, the last one repeating")
    func sounds() {
        let s = LiveConfiguration.Sounds(idNumber: ["a.wav", "b.wav"], callbackMenu: "m.wav", callbackAnnouncement: "c.wav", invalid: "i.wav")
        #expect(s.file(for: .idNumber(attempt: 1)) == "a.wav")
        #expect(s.file(for: .idNumber(attempt: 2)) == "b.wav")
        #expect(s.file(for: .idNumber(attempt: 5)) == "b.wav")
        #expect(s.file(for: .callbackMenu) == "m.wav")
        #expect(s.file(for: .callbackAnnouncement) == "c.wav")
    }

    // MARK: Causes and agents

    @Test("every known HangupCause reads back from its FreeSWITCH name")
    func causes() {
        for cause in HangupCause.known { #expect(HangupCause(freeSWITCH: cause.rawValue) == cause) }
        #expect(HangupCause(jobResult: "-ERR NO_ANSWER\n") == .noAnswer)
    }

    @Test("a cause outside the known ones is kept by its name, not folded")
    func unknownCauseKept() {
        for name in ["SOMETHING_NEW", "MEDIA_TIMEOUT", "INCOMPATIBLE_DESTINATION", "BUSY_EVERYWHERE", "NONE"] {
            let cause = HangupCause(freeSWITCH: name)
            #expect(cause.rawValue == name)
            #expect(!HangupCause.known.contains(cause))
        }
        #expect(HangupCause(freeSWITCH: "BUSY_EVERYWHERE").unansweredOutcome == .busy)
        #expect(HangupCause(freeSWITCH: "MEDIA_TIMEOUT").unansweredOutcome == .failed)
        #expect(HangupCause(jobResult: "-ERR SOME_CAUSE\n").rawValue == "SOME_CAUSE")
        #expect(HangupCause(jobResult: "-ERR INCOMPATIBLE_DESTINATION more words").rawValue == "INCOMPATIBLE_DESTINATION")
    }

    @Test("no name, an empty one or a malformed one gives the fallback, NORMAL_TEMPORARY_FAILURE")
    func malformedCause() {
        #expect(HangupCause.fallback == .normalTemporaryFailure)
        for name in [nil, "", "no_answer", "USER BUSY", "USER-BUSY", "<b>", String(repeating: "X", count: 65)] {
            #expect(HangupCause(freeSWITCH: name) == .fallback, "\(String(describing: name))")
        }
        #expect(HangupCause(jobResult: "-ERR") == .fallback)
        #expect(HangupCause(jobResult: "-ERR no route\n") == .fallback)
        #expect(HangupCause(jobResult: "-ERR Q.850\n") == .fallback)
    }

    @Test("mod_callcenter status × state → the dialer's and the router's agent states")
    func agentTable() {
        let rows: [(String?, String?, AgentState, RouterAgentState)] = [
            (nil, nil, .loggedOut, .offline), ("Logged Out", "Waiting", .loggedOut, .offline),
            ("Available", nil, .idle, .ready), ("Available", "Waiting", .idle, .ready),
            ("Available (On Demand)", "Waiting", .idle, .ready), ("Available", "Receiving", .talking, .busy),
            ("Available", "In a queue call", .talking, .busy), ("Available", "Reserved", .talking, .busy),
            ("Available", "Idle", .paused(since: 5), .offline), ("On Break", "Waiting", .paused(since: 5), .offline),
            ("Something", "Waiting", .loggedOut, .offline),
        ]
        for (status, state, dialer, router) in rows {
            let agent = CallCenterAgent(status: status, state: state, awaySince: 5)
            #expect(agent.dialerState == dialer, "\(String(describing: status)) / \(String(describing: state))")
            #expect(agent.routerState == router)
        }
        for state: AgentState in [.idle, .talking, .loggedOut, .paused(since: 3)] {
            #expect(CallCenterAgent(state)?.dialerState == state)
        }
    }

    // MARK: Channel lists

    @Test("show channels as json: rows, none, errors")
    func channelLists() throws {
        #expect(try LiveChannels.parse(showChannelsJSON: "{\"row_count\":0}\n") == [])
        #expect(
            try LiveChannels.parse(showChannelsJSON: "{\"row_count\":2,\"rows\":[{\"uuid\":\"a\"},{\"uuid\":\"b\",\"x\":1}]}")
                == ["a", "b"])
        #expect(throws: LiveChannels.ParseError.self) { try LiveChannels.parse(showChannelsJSON: "-ERR no reply\n") }
        #expect(throws: LiveChannels.ParseError.self) { try LiveChannels.parse(showChannelsJSON: "{\"row_count\":2,\"rows\":[]}") }
        #expect(throws: LiveChannels.ParseError.self) { try LiveChannels.parse(showChannelsJSON: "{\"row_count\":2,\"rows\":[") }
    }

    // MARK: The factory against real captures

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EventSocketTests/Fixtures")

    func events(in file: String) throws -> [ESLEvent] {
        let bytes = try [UInt8](Data(contentsOf: Self.fixtures.appendingPathComponent(file)))
        var decoder = ESLDecoder(requireContentType: false)
        decoder.append(bytes)
        var out: [ESLEvent] = []
        while let frame = try decoder.next() {
            if let event = try? ESLEvent(frame) { out.append(event) }
        }
        return out
    }

    @Test("real captures: the failed originate's cause, a HANGUP_COMPLETE's cause, foreign channels ignored")
    func captures() throws {
        let failed = try events(in: "neventsocket/inbound-auth-bgapi-originate-fail.txt")
        let job = try #require(failed.first { $0.eventName == "BACKGROUND_JOB" })
        #expect(job.backgroundJobResult.map { HangupCause(jobResult: $0.text) } == .recoveryOnTimerExpire)

        let fsock = try events(in: "fsock/test_data.txt")
        let complete = try #require(fsock.first { $0.eventName == "CHANNEL_HANGUP_COMPLETE" })
        #expect(HangupCause(freeSWITCH: complete.hangupCause) == .originatorCancel)

        // None of these channels is ours: neither bridge says anything about them.
        var dialer = W.dialer()
        var router = W.router()
        _ = dialer.commands(for: .originate(CallID(1), ContractID(0), number: "5551234"), at: 0)
        let switchio = try events(in: "switchio/bgapi-originate-unsplit.txt")
        for event in fsock + switchio + failed {
            #expect(dialer.events(for: event, at: 1) == [])
            if event.eventName != "CHANNEL_PARK" { #expect(router.events(for: event, at: 1) == []) }
        }
    }

    @Test("factory frames carry what the captures carry, URL-encoded the same way")
    func factoryShape() {
        var f = FreeSWITCHEventFactory()
        let leg = W.leg(CallID(5))
        let bytes = f.backgroundJob(
            jobUUID: "j", command: "originate", argument: "{origination_uuid=x}sofia/gateway/carrier/5551234 &park()",
            result: "-ERR NO_ANSWER", at: 3)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Job-Command-Arg: %7Borigination_uuid%3Dx%7Dsofia/gateway/carrier/5551234%20%26park()\n"))
        #expect(text.hasSuffix("Content-Length: 15\n\n-ERR NO_ANSWER\n"))
        let e = event(bytes)
        #expect(e.jobUUID == "j" && e.backgroundJobResult?.detail == "NO_ANSWER")
        let hangup = event(f.hangup(leg, cause: "USER_BUSY", complete: true, answered: false, at: 4))
        #expect(hangup.uniqueID == CallID(5).uuidString)
        #expect(hangup.hangupCause == "USER_BUSY")
        #expect(hangup.variable("origination_uuid") == CallID(5).uuidString)
        #expect(hangup.variable("hangup_cause_q850") == "17")
        let agent = event(f.agentStatus("1000@default", "Available (On Demand)", at: 1))
        #expect(agent.callCenterInfo?.agentStatus == "Available (On Demand)")
        #expect(agent.eventSubclass == "callcenter::info")
    }

    // MARK: Speed

    @Test("benchmark entry point: translates the events asked for, producing dialer events")
    func benchmark() {
        let result = LiveBenchmark.translateDialerEvents(count: 20_000)
        #expect(result.events == 20_000)
        #expect(result.dialerEvents >= 20_000 * 3 / 5 - 3)
        #expect(result.eventsPerSecond > 0)
        print("LiveBenchmark (debug build): \(Int(result.eventsPerSecond)) events/s")
    }
}
