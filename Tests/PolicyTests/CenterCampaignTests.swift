import CallCenter
import CenterPolicies
import DialingPolicies
import Testing

/// A dialer that dials nothing by itself: it asks for the wake-ups it is told to and remembers
/// every event it hears, so a test sees exactly what `CenterPolicy` shows it.
struct ListeningDialer: Dialer {
    var name: String { "listening" }
    var heard: [DialerEvent] = []
    /// Wake-ups to ask for at start.
    var wakeUps: [Seconds] = []

    /// Commands to issue on the next `wakeUp` it hears.
    var onWake: [DialerCommand] = []

    mutating func start(task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]) {
        for at in wakeUps { commands.append(.wakeUp(at: at)) }
    }

    mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        heard.append(event)
        if event == .wakeUp {
            commands += onWake
            onWake = []
        }
    }

    func snapshot(at time: Seconds) -> TaskSnapshot {
        TaskSnapshot(batchID: "t", takenAt: time, contracts: [], outcomes: [:])
    }
}

/// The campaign's side of `CenterPolicy` that a live center leans on: calls connected by
/// someone else (the softswitch, a previous run), a task paused and resumed, a softswitch that
/// places the customers itself, a task that completes.
@Suite struct CenterCampaignTests {
    typealias Center = CenterPolicy<NoRouter, ListeningDialer>

    static func started(_ agents: [CenterEvent], rule: CenterRule, wakeUps: [Seconds] = []) -> (Center, [CenterCommand]) {
        var dialer = ListeningDialer()
        dialer.wakeUps = wakeUps
        var center = Center(router: NoRouter(), dialer: dialer, agents: 2, rule: rule)
        var out: [CenterCommand] = []
        for event in agents { center.handle(event, at: 0, into: &out) }
        out.removeAll()
        try! center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        return (center, out)
    }

    static func handle<R, D>(_ center: inout CenterPolicy<R, D>, _ event: CenterEvent, at time: Seconds) -> [CenterCommand] {
        var out: [CenterCommand] = []
        center.handle(event, at: time, into: &out)
        return out
    }

    static let c1 = CallID(1), c2 = CallID(2)
    static let both: [CenterEvent] = [.agentLoggedIn(AgentID(0)), .agentLoggedIn(AgentID(1))]

    static func connects(_ out: [CenterCommand]) -> Bool {
        out.contains { if case .dialer(.connect) = $0 { true } else { false } }
    }

    @Test("a call connected by someone else books its agent; the dialer hears it answered, then connected; the next customer meets the other agent")
    func foreignConnection() {
        var (center, _) = Self.started(Self.both, rule: CenterRule(maxHold: 15))
        let out = Self.handle(&center, .outbound(.callConnected(Self.c1, AgentID(1))), at: 1)
        #expect(!Self.connects(out))
        #expect(center.activity(AgentID(1)) == .campaign)
        #expect(center.shown(AgentID(1)) == .talking)
        let heard = center.dialer!.heard
        let answer = heard.firstIndex(of: .callAnswered(Self.c1, live: true))
        let connected = heard.firstIndex(of: .callConnected(Self.c1, AgentID(1)))
        #expect(answer != nil && connected != nil && answer! < connected!, "\(heard)")
        // The same report again (the bridge seen after a reconnect) changes nothing.
        #expect(Self.handle(&center, .outbound(.callConnected(Self.c1, AgentID(1))), at: 1.5).isEmpty)
        #expect(Self.handle(&center, .outbound(.callAnswered(Self.c2, live: true)), at: 2).contains(.dialer(.connect(Self.c2, AgentID(0)))))
        _ = Self.handle(&center, .outbound(.callEnded(Self.c1, cause: .normalClearing)), at: 3)
        #expect(center.activity(AgentID(1)) == .campaignWrapUp, "until the softswitch says the agent is free")
        _ = Self.handle(&center, .agentFree(AgentID(1)), at: 4)
        #expect(center.shown(AgentID(1)) == .idle)
    }

    @Test("a placement that failed frees the agent and puts the customer back in line, placed with the agent idle the longest; after three failures the customer is let go")
    func placementFailed() throws {
        var (center, _) = Self.started(Self.both, rule: CenterRule(maxHold: 15))
        func placed(_ out: [CenterCommand]) -> [AgentID] {
            out.compactMap { if case .dialer(.connect(Self.c1, let a)) = $0 { a } else { nil } }
        }
        let first = placed(Self.handle(&center, .outbound(.callAnswered(Self.c1, live: true)), at: 1))
        #expect(first.count == 1)
        // The transfer failed: that agent is free again, and the customer is placed with the
        // other, idle longer.
        let second = placed(Self.handle(&center, .placementFailed(Self.c1), at: 2))
        #expect(second.count == 1 && second != first)
        #expect(center.shown(first[0]) == .idle)
        // The dialer heard the first connection undone before the second.
        let heard = center.dialer!.heard
        let undone = try #require(heard.firstIndex(of: .connectionFailed(Self.c1)))
        #expect(heard[undone...].contains(.callConnected(Self.c1, second[0])))
        // A report of a call the center did not place changes nothing.
        #expect(Self.handle(&center, .placementFailed(Self.c2), at: 2.5).isEmpty)
        let third = placed(Self.handle(&center, .placementFailed(Self.c1), at: 3))
        #expect(third == first)
        // The third failure: let go with the system's message; both agents free.
        let out = Self.handle(&center, .placementFailed(Self.c1), at: 4)
        #expect(placed(out).isEmpty && out.contains(.dialer(.holdExpired(Self.c1))), "\(out)")
        #expect(center.customersWaiting == 0)
        #expect(center.shown(AgentID(0)) == .idle && center.shown(AgentID(1)) == .idle)
    }

    @Test("paused: the dialer hears no wake-up (counted), answered customers are still placed and let go; resume hands it the wake-up")
    func pauseAndResume() {
        var (center, first) = Self.started([.agentLoggedIn(AgentID(0))], rule: CenterRule(maxHold: 10), wakeUps: [5])
        #expect(first.contains(.dialer(.wakeUp(at: 5))))
        center.pauseCampaign()
        #expect(center.campaignPaused)
        #expect(Self.connects(Self.handle(&center, .outbound(.callAnswered(Self.c1, live: true)), at: 1)), "placed while paused")
        _ = Self.handle(&center, .outbound(.callAnswered(Self.c2, live: true)), at: 2)
        #expect(Self.handle(&center, .outbound(.wakeUp), at: 5).isEmpty)
        #expect(!center.dialer!.heard.contains(.wakeUp))
        #expect(center.heldWakeUps == 1)
        #expect(Self.handle(&center, .wakeUp, at: 12) == [.dialer(.holdExpired(Self.c2))], "let go at max_hold while paused")
        var out: [CenterCommand] = []
        center.resumeCampaign(at: 20, into: &out)
        #expect(center.dialer!.heard.last == .wakeUp)
        #expect(!center.campaignPaused)
        // Resumed with nothing held: no wake-up is made up.
        let count = center.dialer!.heard.count
        center.resumeCampaign(at: 21, into: &out)
        #expect(center.dialer!.heard.count == count)
    }

    @Test("when the softswitch places the customers: nothing is connected or let go; a reported connection books the agent")
    func softswitchPlaces() {
        var (center, _) = Self.started(Self.both, rule: CenterRule(maxHold: 10, placesCustomers: false))
        let answered = Self.handle(&center, .outbound(.callAnswered(Self.c1, live: true)), at: 1)
        #expect(!Self.connects(answered))
        #expect(!answered.contains(.wakeUp(at: 11)), "max_hold is the softswitch's business")
        #expect(center.customersWaiting == 0)
        _ = Self.handle(&center, .outbound(.callConnected(Self.c1, AgentID(1))), at: 2)
        #expect(center.activity(AgentID(1)) == .campaign)
        #expect(center.dialer!.heard.filter { $0 == .callAnswered(Self.c1, live: true) }.count == 2, "passed on, and told again before the connection: the dialer ignores the second")
        #expect(Self.handle(&center, .wakeUp, at: 11).isEmpty)
    }

    @Test("a completed task closes the pool: no dialing, the agents go back to the router")
    func completedTaskClosesPool() {
        var dialer = ListeningDialer()
        dialer.wakeUps = [5]
        let done = TaskSnapshot(batchID: "t", takenAt: 5, contracts: [], outcomes: [:])
        dialer.onWake = [.taskCompleted(done)]
        var center = CenterPolicy<ScriptedRouter, ListeningDialer>(
            router: ScriptedRouter(), dialer: dialer, agents: 2, rule: CenterRule())
        var out: [CenterCommand] = []
        for a in 0..<2 { center.handle(.agentLoggedIn(AgentID(a)), at: 0, into: &out) }
        try! center.startCampaign(task: OutboundTask(batchID: "t", numbers: []), at: 0, into: &out)
        #expect(center.router.free.isEmpty, "the pool's agents are withdrawn from the router")
        out.removeAll()
        center.handle(.outbound(.wakeUp), at: 5, into: &out)
        #expect(out.contains(.dialer(.taskCompleted(done))))
        #expect(center.campaignEnded && !center.dialing)
        #expect(center.router.free == [AgentID(0), AgentID(1)])
        #expect(center.shown(AgentID(0)) == .loggedOut)
    }

    @Test("a dialer wake-up that fires late does not leave the dialer without one: it re-armed past it, and that one is kept")
    func lateWakeUp() throws {
        var center = CenterPolicy<NoRouter, ProgressiveDialer>(
            router: NoRouter(), dialer: ProgressiveDialer(), agents: 1, rule: CenterRule())
        var out: [CenterCommand] = []
        center.handle(.agentLoggedIn(AgentID(0)), at: 0, into: &out)
        out.removeAll()
        let task = OutboundTask(batchID: "t", numbers: (0..<3).map { ("+861380001000\($0)", "c\($0)") })
        try center.startCampaign(task: task, at: 0, into: &out)
        #expect(out.contains(.dialer(.wakeUp(at: 1))))
        // The driver's timer for 1 s is late (a loaded machine): the call ends first, at 1.5 s, and
        // the dialer, whose wake-up is overdue, asks for the next one at 2.5 s.
        out = Self.handle(&center, .outbound(.callEnded(CallID(1), cause: .noAnswer)), at: 1.5)
        #expect(out.contains(.dialer(.wakeUp(at: 2.5))), "the new wake-up reaches the driver: \(out)")
        // The late timer fires: it is not the one the dialer waits for.
        out = Self.handle(&center, .outbound(.wakeUp), at: 1.6)
        #expect(!out.contains { if case .dialer(.originate) = $0 { true } else { false } }, "\(out)")
        // The one it waits for dials the next contract.
        out = Self.handle(&center, .outbound(.wakeUp), at: 2.5)
        #expect(out.contains { if case .dialer(.originate(_, ContractID(1), _)) = $0 { true } else { false } }, "\(out)")
        #expect(out.contains(.dialer(.wakeUp(at: 3.5))))
    }
}
