import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport
import Testing

private let first = CallID(W.configuration.firstInboundCall)
private let callerLeg = FreeSWITCHEventFactory.inboundLeg(
    uuid: "0f1e2d3c-4b5a-4978-a695-b4c3d2e1f001", caller: "13800000001", service: "4000")

extension RouterBridge {
    /// Parks `leg` and returns the router events.
    mutating func park(_ leg: FreeSWITCHEventFactory.Leg, _ f: inout FreeSWITCHEventFactory, at t: Seconds = 1)
        -> [InboundEvent]
    {
        feed(f.park(leg, at: t), at: t)
    }
}

@Suite("RouterBridge: inbound events and commands")
struct RouterBridgeTests {
    @Test("a parked inbound leg: callerArrived with the calling number, numbered from firstInboundCall")
    func arrival() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        #expect(bridge.park(callerLeg, &f) == [.callerArrived(first, caller: "13800000001")])
        #expect(bridge.channelUUID(of: first) == callerLeg.uuid)
        #expect(bridge.park(callerLeg, &f) == [], "parked again after an application: the same call")
        let anonymous = FreeSWITCHEventFactory.inboundLeg(
            uuid: FreeSWITCHEventFactory.foreignUUID(5), caller: "anonymous", service: "4000")
        #expect(bridge.park(anonymous, &f) == [.callArrived(CallID(first.rawValue + 1))])
    }

    @Test("outbound legs, other service numbers and non-park events do not arrive")
    func notArrivals() {
        var c = W.configuration
        c.serviceNumbers = ["4000"]
        var bridge = W.router(c)
        var f = FreeSWITCHEventFactory()
        #expect(bridge.park(W.leg(CallID(1)), &f) == [])
        let other = FreeSWITCHEventFactory.inboundLeg(uuid: "aaaa", caller: "13800000002", service: "4999")
        #expect(bridge.park(other, &f) == [])
        #expect(bridge.feed(f.answer(callerLeg, at: 1)) == [])
        #expect(bridge.park(callerLeg, &f) == [.callerArrived(first, caller: "13800000001")])
    }

    @Test("connect: bgapi uuid_transfer to the agent's extension in the configured context")
    func connect() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        #expect(
            bridge.commands(for: .connect(first, to: W.a1), at: 2).map(\.eslText) == [
                "bgapi uuid_transfer \(callerLeg.uuid) 1001 XML default\n"
                    + "Job-UUID: 51cc0003-0000-4000-8001-000000000000\n\n"
            ])
        // The customer hangs up after talking: the agent is free again.
        #expect(
            bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: 90)) == [
                .agentAvailable(W.a1)
            ])
        #expect(bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 90)) == [])
    }

    @Test("connect to an agent missing from the roster is refused; to a call gone, the agent is handed back")
    func connectProblems() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        guard case .refused = bridge.commands(for: .connect(first, to: AgentID(9)), at: 2).first else {
            Issue.record("expected a refusal")
            return
        }
        _ = bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 3))
        #expect(bridge.commands(for: .connect(first, to: W.a0), at: 3) == [.routerFeedback(.agentAvailable(W.a0))])
    }

    @Test("collectDigits: sendmsg play_and_get_digits with the prompt's file, read back from CHANNEL_EXECUTE_COMPLETE")
    func collectDigits() {
        var c = W.configuration
        c.sounds = .init(
            idNumber: ["ivr/id-1.wav", "ivr/id-2.wav"], callbackMenu: "ivr/menu.wav", callbackAnnouncement: "ivr/cb.wav",
            invalid: "ivr/invalid.wav")
        var bridge = W.router(c)
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        let actions = bridge.commands(for: .collectDigits(first, prompt: .idNumber(attempt: 2), maxDigits: 18, timeout: 15), at: 2)
        #expect(
            actions.map(\.eslText) == [
                "sendmsg \(callerLeg.uuid)\ncall-command: execute\nexecute-app-name: play_and_get_digits\n"
                    + "execute-app-arg: 1 18 1 15000 # ivr/id-2.wav ivr/invalid.wav simcc_digits [0-9*]+ 5000\n"
                    + "Event-UUID: 51cc0004-0000-4000-8000-000000000001\n\n"
            ])
        // Another application's completion, or one with another Application-UUID, is not the answer.
        #expect(bridge.feed(f.executeComplete(callerLeg, application: "answer", applicationUUID: "zzz", at: 3)) == [])
        #expect(
            bridge.feed(
                f.executeComplete(
                    callerLeg, application: "play_and_get_digits", applicationUUID: "51cc0004-0000-4000-8000-000000000001",
                    at: 9, variables: [("simcc_digits", "110101199001011234")])) == [
                .digitsCollected(first, "110101199001011234")
            ])
        #expect(
            bridge.feed(
                f.executeComplete(
                    callerLeg, application: "play_and_get_digits", applicationUUID: "51cc0004-0000-4000-8000-000000000001",
                    at: 9)) == [], "a duplicate")
    }

    @Test("nothing keyed (variable missing or _undef_) is nil; without Application-UUID the application name matches")
    func nothingKeyed() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        _ = bridge.commands(for: .collectDigits(first, prompt: .callbackMenu, maxDigits: 1, timeout: 10), at: 2)
        #expect(
            bridge.feed(f.executeComplete(callerLeg, application: "play_and_get_digits", at: 12, variables: [("simcc_digits", "")]))
                == [.digitsCollected(first, nil)])
    }

    @Test("an announcement (maxDigits 0) is a playback; its completion gives no digits")
    func announcement() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        let text = bridge.commands(for: .collectDigits(first, prompt: .callbackAnnouncement, maxDigits: 0, timeout: 10), at: 2)
            .first?.eslText
        #expect(text?.contains("execute-app-name: playback\nexecute-app-arg: ivr/ivr-callback.wav\n") == true)
        #expect(
            bridge.feed(f.executeComplete(callerLeg, application: "playback", response: "FILE PLAYED", at: 8)) == [
                .digitsCollected(first, nil)
            ])
    }

    @Test("a caller hanging up while waiting or in the IVR abandons, once")
    func abandon() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        _ = bridge.park(callerLeg, &f)
        _ = bridge.commands(for: .collectDigits(first, prompt: .idNumber(attempt: 1), maxDigits: 18, timeout: 15), at: 2)
        #expect(bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: false, answered: true, at: 5)) == [
            .callAbandoned(first)
        ])
        #expect(bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 5)) == [])
        #expect(bridge.callsInFlight == 0)
    }

    @Test("hangUp is uuid_kill, reject is uuid_kill USER_BUSY; the hang-up that follows is not an abandon")
    func killAndReject() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        let second = FreeSWITCHEventFactory.inboundLeg(uuid: "b2", caller: "13900000002", service: "4000")
        _ = bridge.park(callerLeg, &f)
        _ = bridge.park(second, &f)
        #expect(
            bridge.commands(for: .hangUp(first), at: 3).map(\.eslText) == [
                "bgapi uuid_kill \(callerLeg.uuid)\nJob-UUID: 51cc0002-0000-4000-8001-000000000000\n\n"
            ])
        #expect(bridge.commands(for: .hangUp(first), at: 3) == [], "already hanging up")
        #expect(
            bridge.commands(for: .reject(CallID(first.rawValue + 1)), at: 3).map(\.eslText) == [
                "bgapi uuid_kill b2 USER_BUSY\nJob-UUID: 51cc0002-0000-4000-8001-000000000001\n\n"
            ])
        #expect(bridge.feed(f.hangup(callerLeg, cause: "NORMAL_CLEARING", complete: true, answered: true, at: 3)) == [])
        #expect(bridge.feed(f.hangup(second, cause: "USER_BUSY", complete: true, answered: false, at: 3)) == [])
    }

    @Test("bookkeeping commands go to the runner; wakeUp is a timer")
    func bookkeeping() {
        var bridge = W.router()
        let commands: [InboundCommand] = [
            .routed(first, .firstAgent), .bindNumber("13800000001", to: CustomerID(0)), .createCustomer(CustomerID(1)),
            .createCallback(CallbackTaskID(0)), .remindAgent(W.a0, about: CallbackTaskID(0), priority: 1),
            .reassignCallback(CallbackTaskID(0), to: nil, priority: 2), .expireCallback(CallbackTaskID(0)),
        ]
        for command in commands { #expect(bridge.commands(for: command, at: 1) == [.routing(command)]) }
        #expect(bridge.commands(for: .wakeUp(at: 60), at: 1) == [.timer(at: 60)])
    }

    @Test("mod_callcenter agents: logged in, busy, available again, on break, back")
    func agents() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        #expect(bridge.feed(f.agentState("1000@default", "Waiting", at: 1)) == [])
        #expect(bridge.feed(f.agentStatus("1000@default", "Available", at: 1)) == [.agentLoggedIn(W.a0)])
        #expect(bridge.feed(f.agentState("1000@default", "In a queue call", at: 2)) == [.agentLoggedOut(W.a0)])
        #expect(bridge.feed(f.agentState("1000@default", "Waiting", at: 3)) == [.agentAvailable(W.a0)])
        #expect(bridge.feed(f.agentStatus("1000@default", "On Break", at: 4)) == [.agentLoggedOut(W.a0)])
        #expect(bridge.feed(f.agentStatus("1000@default", "Available", at: 5)) == [.agentLoggedIn(W.a0)])
        #expect(bridge.feed(f.agentState("1000@default", "Idle", at: 6)) == [.agentLoggedOut(W.a0)])
        #expect(bridge.feed(f.agentStatus("1000@default", "Logged Out", at: 7)) == [])
        #expect(bridge.feed(f.agentStatus("nobody@default", "Available", at: 7)) == [])
    }

    @Test("reconcile after a gap: waiting callers abandon, connected ones free their agent")
    func reconcile() {
        var bridge = W.router()
        var f = FreeSWITCHEventFactory()
        let second = FreeSWITCHEventFactory.inboundLeg(uuid: "b2", caller: "13900000002", service: "4000")
        let third = FreeSWITCHEventFactory.inboundLeg(uuid: "b3", caller: "13900000003", service: "4000")
        _ = bridge.park(callerLeg, &f)
        _ = bridge.park(second, &f)
        _ = bridge.park(third, &f)
        _ = bridge.commands(for: .connect(CallID(first.rawValue + 1), to: W.a2), at: 2)
        #expect(
            bridge.reconcile(liveChannels: ["b3"], at: 10) == [.callAbandoned(first), .agentAvailable(W.a2)])
        #expect(bridge.callsInFlight == 1)
    }
}

@Suite("Live: step 06's reminders reach the agent's phone")
struct ReminderChatTests {
    @Test("with reminder_chat a reminder is also a SIP MESSAGE (chat) to the agent's extension; without it, the store only")
    func chat() throws {
        var c = W.configuration
        c.reminderChat = .init(from: "simcc@pbx.example.com", domain: "pbx.example.com")
        var bridge = try RouterBridge(configuration: c)
        let remind = InboundCommand.remindAgent(W.a1, about: CallbackTaskID(Int32(12)), priority: 3)
        let actions = bridge.commands(for: remind, at: 100)
        #expect(actions.first == .routing(remind))
        guard actions.count == 2, case .esl(let esl) = actions[1] else {
            Issue.record("no chat: \(actions)")
            return
        }
        #expect(try esl.text().hasPrefix(
            "bgapi chat sip|simcc@pbx.example.com|1001@pbx.example.com|simcc: callback task 12 is due (priority 3)\nJob-UUID: 51cc0005-"))
        // Each chat its own job; an agent not in the roster gets none.
        let second = bridge.commands(for: remind, at: 200)
        #expect(second != actions)
        #expect(bridge.commands(for: .remindAgent(AgentID(9), about: CallbackTaskID(Int32(1)), priority: 0), at: 1).count == 1)
        var plain = W.router()
        #expect(plain.commands(for: remind, at: 100) == [.routing(remind)])
    }

    @Test("a sender or domain that cannot go into the chat command is refused, naming the field")
    func refused() {
        for (chat, field) in [
            (LiveConfiguration.ReminderChat(from: "simcc|x@pbx", domain: "pbx"), "reminder_chat.from"),
            (LiveConfiguration.ReminderChat(from: "simcc@pbx", domain: "pbx example"), "reminder_chat.domain"),
            (LiveConfiguration.ReminderChat(from: "simcc@pbx", domain: ""), "reminder_chat.domain"),
        ] {
            var c = W.configuration
            c.reminderChat = chat
            #expect(throws: LiveConfigurationError.self) { try c.validate() }
            do { try c.validate() } catch { #expect(error.field == field) }
        }
    }
}
