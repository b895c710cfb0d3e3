import Foundation
import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport
import Testing

private let c1 = CallID(1), c2 = CallID(2)

@Suite("DialerBridge: commands rendered exactly")
struct DialerCommandTests {
    @Test("originate: bgapi with origination_uuid, timeout, early media, caller id, tags, dial string, &park()")
    func originate() {
        var bridge = W.dialer()
        let actions = bridge.commands(for: .originate(CallID(42), ContractID(7), number: "+8613800000001"), at: 0)
        #expect(
            actions.map(\.eslText) == [
                "bgapi originate {origination_uuid=51cc0000-0000-4000-8000-00000000002a,originate_timeout=30,"
                    + "ignore_early_media=true,origination_caller_id_number=4000,origination_caller_id_name=Acme_Bank,"
                    + "simcc_call=42,simcc_contract=7}sofia/gateway/carrier/+8613800000001 &park()\n"
                    + "Job-UUID: 51cc0001-0000-4000-8000-00000000002a\n\n"
            ])
        #expect(bridge.jobUUID(of: CallID(42)) == "51cc0001-0000-4000-8000-00000000002a")
    }

    @Test("originate: extra variables, a dialplan destination, no early-media flag")
    func originateVariants() {
        var c = W.configuration
        c.callerIDName = nil
        c.callerIDNumber = nil
        c.ignoreEarlyMedia = false
        c.originateTimeout = 45
        c.variables = [.init("sip_h_X-Campaign", "spring")]
        c.dialStringTemplate = "sofia/external/{number}@10.0.0.1"
        c.answeredCallDestination = .dialplan(extension: "9000", dialplan: "XML", context: "campaign")
        var bridge = W.dialer(c)
        #expect(
            bridge.commands(for: .originate(c1, ContractID(0), number: "5551234"), at: 0).map(\.eslText) == [
                "bgapi originate {origination_uuid=\(c1.uuidString),originate_timeout=45,simcc_call=1,simcc_contract=0,"
                    + "sip_h_X-Campaign=spring}sofia/external/5551234@10.0.0.1 9000 XML campaign\n"
                    + "Job-UUID: 51cc0001-0000-4000-8000-000000000001\n\n"
            ])
        c.answeredCallDestination = .application("callcenter", argument: "sales@default")
        var other = W.dialer(c)
        let text = other.commands(for: .originate(c1, ContractID(0), number: "5551234"), at: 0).first?.eslText
        #expect(text?.contains("@10.0.0.1 &callcenter(sales@default)\n") == true)
    }

    @Test("originate of a number that is not digits: refused, fed back as INVALID_NUMBER_FORMAT")
    func undialable() {
        var bridge = W.dialer()
        for number in ["555 1234", "5551234\n\napi status", "", "555,1234", "{x=1}555"] {
            #expect(
                bridge.commands(for: .originate(c1, ContractID(0), number: number), at: 0) == [
                    .dialerFeedback(.callEnded(c1, cause: .invalidNumberFormat))
                ])
        }
        #expect(bridge.callsInFlight == 0)
    }

    @Test("hangUp: uuid_kill ORIGINATOR_CANCEL while ringing, NORMAL_CLEARING once answered, nothing when gone")
    func hangUp() {
        var bridge = W.dialer()
        bridge.originate(c1)
        #expect(
            bridge.commands(for: .hangUp(c1), at: 1).map(\.eslText) == [
                "bgapi uuid_kill \(c1.uuidString) ORIGINATOR_CANCEL\nJob-UUID: 51cc0002-0000-4000-8000-000000000001\n\n"
            ])
        var f = FreeSWITCHEventFactory()
        _ = bridge.feed(f.answer(W.leg(c1), at: 2))
        #expect(bridge.commands(for: .hangUp(c1), at: 3).first?.eslText?.contains(" NORMAL_CLEARING\n") == true)
        #expect(bridge.commands(for: .hangUp(c2), at: 3) == [])
    }

    @Test("wakeUp, record and taskCompleted are actions for the runner, not ESL")
    func nonESL() {
        var bridge = W.dialer()
        let record = CallRecord(
            call: c1, contract: ContractID(0), attempt: 1, dialedAt: 0, answeredAt: nil, connectedAt: nil, endedAt: 5,
            outcome: .busy, cause: .userBusy, agent: nil)
        let snapshot = TaskSnapshot(batchID: "b", takenAt: 9, contracts: [], outcomes: [:])
        #expect(bridge.commands(for: .wakeUp(at: 3), at: 2) == [.timer(at: 3)])
        #expect(bridge.commands(for: .record(record), at: 5) == [.record(record)])
        #expect(bridge.commands(for: .taskCompleted(snapshot), at: 9) == [.taskCompleted(snapshot)])
    }
}

@Suite("DialerBridge: events translated one by one")
struct DialerEventTests {
    @Test("CHANNEL_ANSWER of our leg: a live answer; PROGRESS and PARK say nothing")
    func answer() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        #expect(bridge.feed(f.progress(W.leg(c1), at: 1)) == [])
        #expect(bridge.feed(f.answer(W.leg(c1), at: 2)) == [.callAnswered(c1, live: true)])
        #expect(bridge.feed(f.answer(W.leg(c1), at: 2)) == [], "a duplicate answer")
        #expect(bridge.feed(f.park(W.leg(c1), at: 2)) == [])
    }

    @Test("channels that are not ours, and events of no channel, are ignored")
    func foreign() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        let inbound = FreeSWITCHEventFactory.inboundLeg(
            uuid: FreeSWITCHEventFactory.foreignUUID(1), caller: "5550100", service: "4000")
        #expect(bridge.feed(f.answer(inbound, at: 1)) == [])
        #expect(bridge.feed(f.hangup(inbound, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 1)) == [])
        // A simcc-shaped UUID the bridge did not originate (another runner's, or a past run's).
        #expect(bridge.feed(f.answer(W.leg(CallID(77)), at: 1)) == [])
        #expect(bridge.feed(f.backgroundJob(jobUUID: "abc", command: "status", argument: "", result: "-ERR x", at: 1)) == [])
        #expect(bridge.feed(FreeSWITCHEventFactory.frame([("Event-Name", "HEARTBEAT")])) == [])
        #expect(bridge.callsInFlight == 1)
    }

    @Test("hang-up: CHANNEL_HANGUP ends the call once; HANGUP_COMPLETE after it is a duplicate")
    func hangupOnce() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        #expect(
            bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: false, answered: true, at: 9)) == [
                .callEnded(c1, cause: .normalClearing)
            ])
        #expect(bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: true, answered: true, at: 9)) == [])
        #expect(bridge.callsInFlight == 0)
    }

    @Test("HANGUP_COMPLETE alone ends the call too (a subscription without CHANNEL_HANGUP)")
    func hangupCompleteAlone() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        #expect(
            bridge.feed(f.hangup(W.leg(c1), cause: "USER_BUSY", complete: true, answered: false, at: 4)) == [
                .callEnded(c1, cause: .userBusy)
            ])
    }

    @Test("BACKGROUND_JOB -ERR of our originate ends the call; the later channel hang-up is a duplicate")
    func jobFailureFirst() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        let job = bridge.originate(c1)
        #expect(
            bridge.feed(f.backgroundJob(jobUUID: job, command: "originate", argument: "…", result: "-ERR NO_ANSWER", at: 30))
                == [.callEnded(c1, cause: .noAnswer)])
        #expect(bridge.feed(f.hangup(W.leg(c1), cause: "NO_ANSWER", complete: true, answered: false, at: 30)) == [])
    }

    @Test("the channel hang-up first: the BACKGROUND_JOB -ERR after it is ignored")
    func channelFirst() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        let job = bridge.originate(c1)
        #expect(
            bridge.feed(f.hangup(W.leg(c1), cause: "USER_BUSY", complete: false, answered: false, at: 3)) == [
                .callEnded(c1, cause: .userBusy)
            ])
        #expect(
            bridge.feed(f.backgroundJob(jobUUID: job, command: "originate", argument: "…", result: "-ERR USER_BUSY", at: 3))
                == [])
    }

    @Test("BACKGROUND_JOB +OK says nothing (the channel events tell)")
    func jobOK() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        let job = bridge.originate(c1)
        #expect(
            bridge.feed(f.backgroundJob(jobUUID: job, command: "originate", argument: "…", result: "+OK \(c1.uuidString)", at: 3))
                == [])
        #expect(bridge.callsInFlight == 1)
    }

    @Test("-ERR causes: known names, other FreeSWITCH names and an unknown one kept, none or a malformed one the fallback")
    func jobCauses() {
        let cases: [(String, HangupCause)] = [
            ("-ERR USER_BUSY", .userBusy), ("-ERR RECOVERY_ON_TIMER_EXPIRE", .recoveryOnTimerExpire),
            ("-ERR NO_ANSWER", .noAnswer), ("-ERR DECLINE", HangupCause(rawValue: "DECLINE")!),
            ("-ERR GATEWAY_DOWN", HangupCause(rawValue: "GATEWAY_DOWN")!),
            ("-ERR SOME_CAUSE\n", HangupCause(rawValue: "SOME_CAUSE")!),
            ("-ERR SUBSCRIBER_ABSENT", HangupCause(rawValue: "SUBSCRIBER_ABSENT")!), ("-ERR", .fallback),
            ("-ERR bad cause", .fallback), ("-ERR  UNALLOCATED_NUMBER more", .unallocatedNumber),
        ]
        for (text, cause) in cases {
            var bridge = W.dialer()
            var f = FreeSWITCHEventFactory()
            let job = bridge.originate(c1)
            #expect(
                bridge.feed(f.backgroundJob(jobUUID: job, command: "originate", argument: "", result: text, at: 1)) == [
                    .callEnded(c1, cause: cause)
                ], "\(text)")
        }
        #expect(HangupCause.fallback == .normalTemporaryFailure)
        #expect(HangupCause(freeSWITCH: nil) == .fallback)
        #expect(HangupCause(freeSWITCH: "BUSY_EVERYWHERE").rawValue == "BUSY_EVERYWHERE")
        #expect(HangupCause(freeSWITCH: "NORMAL_UNSPECIFIED").rawValue == "NORMAL_UNSPECIFIED")
    }

    @Test("CHANNEL_BRIDGE: the agent from variable_cc_agent, else from the other leg's extension")
    func bridgeAgent() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        bridge.originate(c2, number: "5559999")
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        _ = bridge.feed(f.answer(W.leg(c2, number: "5559999"), at: 1))
        #expect(
            bridge.feed(f.bridge(W.leg(c1), to: W.agentLeg("1001"), ccAgent: "1001@default", at: 2)) == [
                .callConnected(c1, W.a1)
            ])
        #expect(bridge.feed(f.bridge(W.leg(c1), to: W.agentLeg("1001"), ccAgent: "1001@default", at: 2)) == [])
        #expect(
            bridge.feed(f.bridge(W.leg(c2, number: "5559999"), to: W.agentLeg("1002"), ccAgent: nil, at: 2)) == [
                .callConnected(c2, W.a2)
            ])
    }

    @Test("CHANNEL_BRIDGE seen from the agent's leg names our call in Other-Leg-Unique-ID / Bridge-B")
    func bridgeFromAgentLeg() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        #expect(bridge.feed(f.bridge(W.agentLeg("1000"), to: W.leg(c1), ccAgent: nil, at: 2)) == [.callConnected(c1, W.a0)])
    }

    @Test("an unresolvable bridge waits for bridge-agent-start, which connects")
    func bridgeAgentStart() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        #expect(bridge.feed(f.bridge(W.leg(c1), to: W.agentLeg("7777"), ccAgent: nil, at: 2)) == [])
        #expect(
            bridge.feed(
                f.bridgeAgentStart(queue: "q", agent: "1002@default", agentUUID: "x", memberSessionUUID: c1.uuidString, at: 2))
                == [.callConnected(c1, W.a2)])
        #expect(
            bridge.feed(
                f.bridgeAgentStart(queue: "q", agent: "1002@default", agentUUID: "x", memberSessionUUID: c1.uuidString, at: 2))
                == [])
    }

    @Test("a bridge before any answer reports the answer (live) first")
    func bridgeBeforeAnswer() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        #expect(
            bridge.feed(f.bridge(W.leg(c1), to: W.agentLeg("1000"), ccAgent: nil, at: 2)) == [
                .callAnswered(c1, live: true), .callConnected(c1, W.a0),
            ])
    }

    @Test("AMD: the answer waits for the verdict; MACHINE is not live, HUMAN/NOTSURE are")
    func machineDetection() {
        for (verdict, live) in [("MACHINE", false), ("machine", false), ("HUMAN", true), ("NOTSURE", true)] {
            var bridge = W.dialer(W.amdConfiguration)
            var f = FreeSWITCHEventFactory()
            bridge.originate(c1)
            #expect(bridge.feed(f.answer(W.leg(c1), at: 1)) == [])
            #expect(bridge.feed(f.park(W.leg(c1), at: 1)) == [])
            #expect(
                bridge.feed(f.executeComplete(W.leg(c1), application: "amd", at: 3, variables: [("amd_result", verdict)]))
                    == [.callAnswered(c1, live: live)], "\(verdict)")
            #expect(bridge.feed(f.park(W.leg(c1), at: 4)) == [])
        }
    }

    @Test("AMD: a verdict already on CHANNEL_ANSWER is used at once")
    func machineOnAnswer() {
        var bridge = W.dialer(W.amdConfiguration)
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        #expect(bridge.feed(f.answer(W.leg(c1), at: 1, variables: [("amd_result", "MACHINE")])) == [
            .callAnswered(c1, live: false)
        ])
    }

    @Test("AMD: a hang-up before the verdict reports the answer first (verdict on the hang-up, else live)")
    func hangupBeforeVerdict() {
        var bridge = W.dialer(W.amdConfiguration)
        var f = FreeSWITCHEventFactory()
        bridge.originate(c1)
        bridge.originate(c2, number: "5559999")
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        _ = bridge.feed(f.answer(W.leg(c2, number: "5559999"), at: 1))
        #expect(
            bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: false, answered: true, at: 2)) == [
                .callAnswered(c1, live: true), .callEnded(c1, cause: .normalClearing),
            ])
        #expect(
            bridge.feed(
                f.hangup(W.leg(c2, number: "5559999"), cause: "NORMAL_CLEARING", complete: true, answered: true, at: 2,
                         variables: [("amd_result", "MACHINE")])) == [
                .callAnswered(c2, live: false), .callEnded(c2, cause: .normalClearing),
            ])
    }

    @Test("callcenter::info: status and state become the dialer's agent states, changes only")
    func agents() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        #expect(bridge.feed(f.agentStatus("1000@default", "Available", at: 1), at: 1) == [.agent(W.a0, .idle)])
        #expect(bridge.feed(f.agentState("1000@default", "Waiting", at: 1), at: 1) == [])
        #expect(bridge.feed(f.agentState("1000@default", "Receiving", at: 2), at: 2) == [.agent(W.a0, .talking)])
        #expect(bridge.feed(f.agentState("1000@default", "In a queue call", at: 3), at: 3) == [])
        #expect(bridge.feed(f.agentState("1000@default", "Waiting", at: 60), at: 60) == [.agent(W.a0, .idle)])
        #expect(bridge.feed(f.agentStatus("1000@default", "On Break", at: 70), at: 70) == [.agent(W.a0, .paused(since: 70))])
        #expect(bridge.feed(f.agentState("1000@default", "Waiting", at: 80), at: 80) == [], "still on break, same since")
        #expect(bridge.feed(f.agentStatus("1000@default", "Available (On Demand)", at: 90), at: 90) == [.agent(W.a0, .idle)])
        #expect(bridge.feed(f.agentState("1000@default", "Idle", at: 95), at: 95) == [.agent(W.a0, .paused(since: 95))])
        #expect(bridge.feed(f.agentState("1000@default", "Reserved", at: 96), at: 96) == [.agent(W.a0, .talking)])
        #expect(bridge.feed(f.agentStatus("1000@default", "Logged Out", at: 99), at: 99) == [.agent(W.a0, .loggedOut)])
        #expect(bridge.feed(f.agentStatus("9999@default", "Available", at: 99), at: 99) == [], "not in the roster")
        #expect(bridge.reportedState(of: W.a0) == .loggedOut)
    }

    @Test("seeded agents report only changes")
    func seeded() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        if let idle = CallCenterAgent(.idle) { bridge.seed(W.a1, idle) }
        #expect(bridge.feed(f.agentStatus("1001@default", "Available", at: 1)) == [])
        #expect(CallCenterAgent(.wrapUp) == nil)
    }

    @Test("reconcile after a gap: calls whose channel vanished are not ended by guess; FreeSWITCH's record (or none) settles them; live channels stay")
    func reconcile() throws {
        var bridge = W.dialer(W.amdConfiguration)
        var f = FreeSWITCHEventFactory()
        let c3 = CallID(3), c4 = CallID(4)
        bridge.originate(c1)
        bridge.originate(c2, number: "5552222")
        bridge.originate(c3, number: "5553333")
        bridge.originate(c4, number: "5554444")
        _ = bridge.feed(f.answer(W.leg(c1), at: 1))
        let listing = """
            {"row_count":1,"rows":[{"uuid":"\(c2.uuidString)","direction":"outbound","created":"2026-01-01 00:00:01",\
            "name":"sofia/gateway/carrier/5552222","state":"CS_EXECUTE","cid_name":"Acme_Bank","cid_num":"4000"}]}

            """
        let live = try LiveChannels.parse(showChannelsJSON: listing)
        #expect(live == [c2.uuidString])
        // Nothing is ended by guess: c1 (answered before the gap), c3 and c4 vanished.
        #expect(bridge.reconcile(liveChannels: live, at: 50) == [])
        #expect(bridge.vanished == [c1: 50, c3: 50, c4: 50])
        #expect(bridge.callsInFlight == 4)
        #expect(bridge.reconcile(liveChannels: live, at: 60) == [] && bridge.vanished[c1] == 50, "noticed once")
        // c1's record: bridged to 1001 at 9 (cc_agent), ended at 40; the answer the bridge saw stands
        // unless the record says when.
        let record = CallDetailRecord(
            uuid: c1.uuidString, answeredAt: 1, bridgedAt: 9, endedAt: 40, cause: .normalClearing,
            callCenterAgent: "1001@default")
        #expect(bridge.report(c1, record) == [
            .callReported(c1, CallReport(answeredAt: 1, connectedAt: 9, agent: W.a1, endedAt: 40, cause: .normalClearing))
        ])
        // c3: no record; its fate is unknown.
        #expect(bridge.report(c3, nil) == [.callReported(c3, nil)])
        #expect(bridge.report(c3, nil) == [], "once")
        // c4's channel was not up yet when the list was taken: its own events bring it back.
        #expect(bridge.feed(f.hangup(W.leg(c4, number: "5554444"), cause: "USER_BUSY", complete: true, answered: false, at: 61))
            == [.callEnded(c4, cause: .userBusy)])
        #expect(bridge.vanished.isEmpty)
        #expect(bridge.callsInFlight == 1)
        #expect(bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: true, answered: true, at: 51)) == [])
        #expect(
            bridge.feed(f.hangup(W.leg(c2, number: "5552222"), cause: "NO_ANSWER", complete: true, answered: false, at: 52))
                == [.callEnded(c2, cause: .noAnswer)])
    }

    @Test("a call taken over answered ends with the times its complete hang-up carries; a plain CHANNEL_HANGUP waits for it")
    func takenOverEndsWithTrueTimes() {
        var bridge = W.dialer()
        var f = FreeSWITCHEventFactory()
        bridge.adopt(c1, contract: ContractID(0), answered: true)
        #expect(bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: false, answered: true, at: 90)) == [])
        let times = [("answer_uepoch", "12500000"), ("bridge_uepoch", "13000000"), ("end_uepoch", "88000000"), ("cc_agent", "1001@default")]
        #expect(bridge.feed(f.hangup(W.leg(c1), cause: "NORMAL_CLEARING", complete: true, answered: true, at: 90, variables: times)) == [
            .callReported(c1, CallReport(answeredAt: 12.5, connectedAt: 13, agent: W.a1, endedAt: 88, cause: .normalClearing))
        ])
        #expect(bridge.callsInFlight == 0)
        // Without the times (an older FreeSWITCH, a filtered event): the plain end.
        bridge.adopt(c2, contract: ContractID(1), answered: true)
        #expect(bridge.feed(f.hangup(W.leg(c2), cause: "NORMAL_CLEARING", complete: true, answered: true, at: 91))
            == [.callEnded(c2, cause: .normalClearing)])
    }

    @Test("a CDR as mod_json_cdr writes it: times in microseconds, URL-encoded values, the agent from cc_agent or the call flow")
    func callDetailRecord() throws {
        let text = #"""
            {"core-uuid":"8694f653","switchname":"fs1","channel_data":{"state":"CS_REPORTING","direction":"outbound"},
             "variables":{"uuid":"00000000-0000-4000-8000-000000000001","hangup_cause":"NORMAL_CLEARING",
              "start_uepoch":"1767225600000000","answer_uepoch":"1767225605250000","bridge_uepoch":"1767225606000000",
              "end_uepoch":"1767225700500000","cc_agent":"1001%40default","billsec":"95"},
             "callflow":[{"caller_profile":{"destination_number":"1001"},"times":{}},
                         {"caller_profile":{"destination_number":"5551234"},"times":{}}]}
            """#
        let record = try CallDetailRecord.parse(Data(text.utf8))
        #expect(record.uuid == "00000000-0000-4000-8000-000000000001")
        #expect(record.answeredAt == 1_767_225_605.25 && record.bridgedAt == 1_767_225_606 && record.endedAt == 1_767_225_700.5)
        #expect(record.cause == .normalClearing && record.callCenterAgent == "1001@default")
        #expect(record.destinations == ["1001", "5551234"])
        // Unanswered: the moments that never came are 0.
        let unanswered = try CallDetailRecord.parse(Data(#"""
            {"variables":{"uuid":"u2","hangup_cause":"NO_ANSWER","answer_uepoch":"0","bridge_uepoch":"0","end_uepoch":"1767225630000000"}}
            """#.utf8))
        #expect(unanswered.answeredAt == nil && unanswered.bridgedAt == nil && unanswered.cause == .noAnswer)
        // What a fake writes reads back the same.
        #expect(try CallDetailRecord.parse(Data(record.json().utf8)) == record)
        // Half a file (still being written), no end, a cause that is not one: refused with the reason.
        #expect(throws: CallDetailRecord.ParseError.self) { try CallDetailRecord.parse(Data(text.prefix(80).utf8)) }
        #expect(throws: CallDetailRecord.ParseError("no variable end_uepoch")) {
            try CallDetailRecord.parse(Data(#"{"variables":{"uuid":"u","hangup_cause":"NO_ANSWER"}}"#.utf8))
        }
        #expect(throws: CallDetailRecord.ParseError.self) {
            try CallDetailRecord.parse(Data(#"{"variables":{"uuid":"u","hangup_cause":"no such","end_uepoch":"5"}}"#.utf8))
        }
        // The folder: <uuid>.cdr.json or a_<uuid>.cdr.json, also in a dated subfolder (rotate).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simcc-cdr-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/2026-01-01-00-00-00", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let directory = CDRDirectory(path: folder)
        #expect(directory.record(uuid: record.uuid) == .absent)
        try record.json().write(toFile: folder + "/2026-01-01-00-00-00/a_\(record.uuid).cdr.json", atomically: true, encoding: .utf8)
        #expect(directory.record(uuid: record.uuid) == .found(record))
        try "{\"variables\":{".write(toFile: folder + "/u3.cdr.json", atomically: true, encoding: .utf8)
        guard case .unreadable = directory.record(uuid: "u3") else {
            Issue.record("a half-written record reads as unreadable")
            return
        }
    }
}

@Suite("Live: one rule for a dialable number")
struct DialableNumberTests {
    @Test("the bridge sends exactly the numbers PhoneNumber.isDialable accepts (3 to 20 digits, optional +)")
    func oneRule() {
        let cases = ["12", "123", "+123", "+86138000000001234567", "+861380000000012345678", "5551234", "555-1234", "", "+"]
        for number in cases {
            var bridge = W.dialer()
            let actions = bridge.commands(for: .originate(CallID(1), ContractID(0), number: number), at: 0)
            let refused = actions == [.dialerFeedback(.callEnded(CallID(1), cause: .invalidNumberFormat))]
            #expect(refused == !PhoneNumber.isDialable(number), "\(number)")
        }
        #expect(PhoneNumber.isDialable("+86138000000001234567") && !PhoneNumber.isDialable("+861380000000012345678"))
        #expect(!PhoneNumber.isDialable("12") && PhoneNumber.isDialable("123"))
    }
}
