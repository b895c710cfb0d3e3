import CallCenter
import RoutingPolicies
import Testing

/// The people of the cascade tests: team 1 serves customer 0; team 2 are strangers to them.
private enum F {
    static let first = AgentID(0), backup = AgentID(1), mate = AgentID(2), mate2 = AgentID(3)
    static let leader = AgentID(4), stranger = AgentID(5), strangerLead = AgentID(6)
    static let team1 = TeamID(1), team2 = TeamID(2)
    static let loans = BusinessTypeID(1), cards = BusinessTypeID(2)
    static let knownNumber = "13800000001", otherNumber = "13900000002", newNumber = "13700000003"
    static let idNumber = "110101199001011234"
    static let customer = CustomerID(0)

    /// Team 1: first (loans), backup (loans), mate (loans), mate2 (cards), leader (both);
    /// team 2: stranger (both), strangerLead (both). Customer 0 is bound to `first`.
    static var directory: Directory {
        var d = Directory()
        d.businessTypes = [BusinessType(id: loans, name: "loans"), BusinessType(id: cards, name: "cards")]
        d.addAgent(AgentProfile(id: first, team: team1, backup: backup, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: backup, team: team1, backup: first, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: mate, team: team1, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: mate2, team: team1, businessTypes: [cards]))
        d.addAgent(AgentProfile(id: leader, team: team1, isLeader: true, businessTypes: [loans, cards]))
        d.addAgent(AgentProfile(id: stranger, team: team2, businessTypes: [loans, cards]))
        d.addAgent(
            AgentProfile(id: strangerLead, team: team2, isLeader: true, businessTypes: [loans, cards]))
        d.addCustomer(numbers: [knownNumber], idNumber: idNumber, firstAgent: first)
        return d
    }

    static func router(_ configuration: CascadeRouter.Configuration = .init(), seed: UInt64 = 42)
        -> RouterScript<CascadeRouter>
    {
        RouterScript(
            CascadeRouter(directory: directory, configuration: configuration, random: SplitMix64(seed: seed)))
    }
}

private let k1 = CallID(101), k2 = CallID(102), k3 = CallID(103), k4 = CallID(104), k5 = CallID(105)

extension RouterScript {
    /// Logs these agents in, in this order (the first is then idle the longest).
    mutating func logIn(_ agents: AgentID...) {
        for agent in agents { #expect(send(.agentLoggedIn(agent)) == []) }
    }

    /// Logs these agents in and keeps them busy with anonymous calls (the router needs
    /// `idAttempts: 0`, so these go straight to 021).
    mutating func logInBusy(_ agents: AgentID..., firstCall: UInt64 = 900) {
        for agent in agents { _ = send(.agentLoggedIn(agent)) }
        for i in agents.indices {
            let commands = send(.callArrived(CallID(firstCall + UInt64(i))))
            #expect(commands.count == 2 && commands[1] == .routed(CallID(firstCall + UInt64(i)), .random))
        }
    }
}

@Suite("CascadeRouter (CN107682576B steps 01-06)")
struct CascadeRouterTests {
    // MARK: - 01, 011-014

    @Test("011: a known caller goes to their idle first agent")
    func step011() {
        var s = F.router()
        s.logIn(F.stranger, F.leader, F.mate, F.backup, F.first)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 1) == [
                .connect(k1, to: F.first), .routed(k1, .firstAgent),
            ])
    }

    @Test("012: the first agent is away, the backup takes the call")
    func step012() {
        var s = F.router()
        s.logIn(F.stranger, F.leader, F.mate, F.backup)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 1) == [
                .connect(k1, to: F.backup), .routed(k1, .backup),
            ])
    }

    @Test("013: first agent and backup busy, the team's agent idle the longest (not the leader)")
    func step013() {
        var s = F.router()
        s.logIn(F.leader, F.stranger, F.mate2, F.mate, F.first)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 1) == [
                .connect(k1, to: F.first), .routed(k1, .firstAgent),
            ])
        #expect(
            s.send(.callerArrived(k2, caller: PhoneNumber(F.knownNumber)!), at: 2) == [
                .connect(k2, to: F.mate2), .routed(k2, .team),
            ])
        #expect(
            s.send(.callerArrived(k3, caller: PhoneNumber(F.knownNumber)!), at: 3) == [
                .connect(k3, to: F.mate), .routed(k3, .team),
            ])
    }

    @Test("014: nobody of the team but the leader is idle")
    func step014() {
        var s = F.router()
        s.logIn(F.stranger, F.strangerLead, F.leader)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 1) == [
                .connect(k1, to: F.leader), .routed(k1, .leader),
            ])
    }

    @Test("01 -> 03: a known customer whose agents are all busy gets a callback, never a stranger")
    func knownCustomerNeverToAStranger() {
        var s = F.router()
        s.logIn(F.stranger, F.strangerLead)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 5) == [
                .collectDigits(k1, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(k1, .callback),
            ])
        // 04 + 05: the caller keys 2 (cards); the task goes to the first agent, though offline.
        let task = CallbackTask(
            id: CallbackTaskID(0), customer: F.customer, callerNumber: F.knownNumber, businessType: F.cards,
            owner: F.first, created: 20, deadline: 1820, priority: 0)
        #expect(
            s.send(.digitsCollected(k1, "2"), at: 20) == [
                .hangUp(k1), .createCallback(task.id), .wakeUp(at: 1820),
            ])
        #expect(s.router.tasks == [task])
        #expect(s.router.activeTaskCount(of: F.first) == 1)
    }

    // MARK: - 02, 021

    @Test("02: an unknown number keys a known ID number: bound, then 011; next time straight to 011")
    func step02Binding() {
        var s = F.router()
        s.logIn(F.stranger, F.first)
        #expect(
            s.send(.callerArrived(k1, caller: PhoneNumber(F.otherNumber)!), at: 1) == [
                .collectDigits(k1, prompt: .idNumber(attempt: 1), maxDigits: 18, timeout: 15)
            ])
        #expect(
            s.send(.digitsCollected(k1, KeyedDigits(F.idNumber)!), at: 12) == [
                .bindNumber(PhoneNumber(F.otherNumber)!, to: F.customer), .connect(k1, to: F.first),
                .routed(k1, .idMatched(then: .firstAgent)),
            ])
        #expect(s.router.directory.customer(number: F.otherNumber)?.id == F.customer)
        #expect(s.send(.agentAvailable(F.first), at: 100) == [])
        #expect(
            s.send(.callerArrived(k2, caller: PhoneNumber(F.otherNumber)!), at: 101) == [
                .connect(k2, to: F.first), .routed(k2, .firstAgent),
            ])
    }

    @Test("02 -> 021: wrong ID numbers, then a random idle agent from the seeded stream, bound")
    func step021Random() {
        func run(seed: UInt64) -> (AgentID, [[InboundCommand]]) {
            var s = F.router(seed: seed)
            s.logIn(F.stranger, F.mate, F.strangerLead, F.leader)
            var log: [[InboundCommand]] = []
            log.append(s.send(.callerArrived(k1, caller: PhoneNumber(F.newNumber)!), at: 1))
            let retry = s.send(.digitsCollected(k1, "999"), at: 10)
            #expect(retry == [.collectDigits(k1, prompt: .idNumber(attempt: 2), maxDigits: 18, timeout: 15)])
            let routed = s.send(.digitsCollected(k1, nil), at: 25)
            log.append(routed)
            guard case .connect(_, let agent) = routed.first else {
                Issue.record("no connect: \(routed)")
                return (F.first, log)
            }
            // Idle agents in id order: mate, leader, stranger, strangerLead.
            var reference = SplitMix64(seed: seed)
            let expected = [F.mate, F.leader, F.stranger, F.strangerLead][reference.next(below: 4)]
            let customer = Customer(id: CustomerID(1), numbers: [F.newNumber], firstAgent: expected)
            #expect(routed == [.connect(k1, to: expected), .routed(k1, .random), .createCustomer(customer.id)])
            // Bound: the next call from that number is recognised at 01 and goes to 011.
            #expect(s.send(.agentAvailable(agent), at: 200) == [])
            #expect(
                s.send(.callerArrived(k2, caller: PhoneNumber(F.newNumber)!), at: 201) == [
                    .connect(k2, to: agent), .routed(k2, .firstAgent),
                ])
            return (agent, log)
        }
        let a = run(seed: 7), b = run(seed: 7)
        #expect(a.0 == b.0 && a.1 == b.1)
        let agents = Set((0..<16).map { run(seed: UInt64($0)).0 })
        #expect(agents.count > 1, "different seeds should pick different agents")
    }

    @Test("021 with nobody idle goes to 03")
    func step021NobodyIdle() {
        var s = F.router(.init(idAttempts: 1))
        #expect(s.send(.callerArrived(k1, caller: PhoneNumber(F.newNumber)!), at: 1).count == 1)
        #expect(
            s.send(.digitsCollected(k1, "0000"), at: 9) == [
                .collectDigits(k1, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(k1, .callback),
            ])
        // A bad key gives the default business type (none here); nobody online: unassigned.
        let task = CallbackTask(
            id: CallbackTaskID(0), customer: nil, callerNumber: F.newNumber, businessType: nil, owner: nil,
            created: 15, deadline: 1815, priority: 0)
        #expect(
            s.send(.digitsCollected(k1, "7"), at: 15) == [
                .hangUp(k1), .createCallback(task.id), .wakeUp(at: 1815),
            ])
    }

    @Test("a caller who hangs up during the announcement still gets the callback (no hang-up sent)")
    func hangUpDuringAnnouncement() {
        var s = F.router(.init(idAttempts: 0, defaultBusinessType: F.loans))
        #expect(
            s.send(.callArrived(k1), at: 1) == [
                .collectDigits(k1, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(k1, .callback),
            ])
        let task = CallbackTask(
            id: CallbackTaskID(0), customer: nil, callerNumber: nil, businessType: F.loans, owner: nil,
            created: 4, deadline: 1804, priority: 0)
        #expect(s.send(.callAbandoned(k1), at: 4) == [.createCallback(task.id), .wakeUp(at: 1804)])
        // A caller lost in the ID prompt leaves nothing behind.
        var t = F.router()
        #expect(t.send(.callerArrived(k2, caller: PhoneNumber(F.newNumber)!), at: 1).count == 1)
        #expect(t.send(.callAbandoned(k2), at: 3) == [])
        #expect(t.send(.digitsCollected(k2, KeyedDigits(F.idNumber)!), at: 4) == [])
    }

    // MARK: - 05

    @Test(
        "05: an unknown caller's task goes to the least-loaded online agent of the business type, ties to the lowest id"
    )
    func step05LeastLoaded() {
        var s = F.router(.init(idAttempts: 0))
        s.logInBusy(F.strangerLead, F.mate, F.backup, F.mate2)
        func callback(_ call: CallID, key: String, at time: Seconds) -> AgentID? {
            _ = s.send(.callArrived(call), at: time)
            let commands = s.send(.digitsCollected(call, KeyedDigits(key)!), at: time + 5)
            guard commands.count >= 2, case .createCallback(let task) = commands[1] else {
                Issue.record("no callback: \(commands)")
                return nil
            }
            return s.router.tasks[task.index].owner
        }
        // Loans: backup (1), mate (2), strangerLead (6) serve it; mate2 (3) does not.
        #expect(callback(k1, key: "1", at: 10) == F.backup)
        #expect(callback(k2, key: "1", at: 20) == F.mate)
        #expect(callback(k3, key: "1", at: 30) == F.strangerLead)
        #expect(callback(k4, key: "1", at: 40) == F.backup)
        // Cards: mate2 (3) and strangerLead (6); mate2 has none yet.
        #expect(callback(k5, key: "2", at: 50) == F.mate2)
        #expect(s.router.activeTaskCount(of: F.backup) == 2)
    }

    // MARK: - 06

    @Test("06: a known customer's overdue task reminds its owner and raises the priority, up to the cap")
    func step06Reminder() {
        var s = F.router(.init(maxReminders: 2))
        _ = s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 0)
        #expect(s.send(.digitsCollected(k1, nil), at: 10).last == .wakeUp(at: 1810))
        #expect(
            s.send(.wakeUp, at: 1810) == [
                .remindAgent(F.first, about: CallbackTaskID(0), priority: 1), .wakeUp(at: 2710),
            ])
        #expect(s.router.tasks[0].state == .reminded)
        #expect(
            s.send(.wakeUp, at: 2710) == [
                .remindAgent(F.first, about: CallbackTaskID(0), priority: 2), .wakeUp(at: 3610),
            ])
        #expect(s.send(.wakeUp, at: 3610) == [.expireCallback(CallbackTaskID(0))])
        #expect(s.router.tasks[0].state == .expired && s.router.tasks[0].reminders == 2)
        #expect(s.router.activeTaskCount(of: F.first) == 0)
    }

    @Test(
        "06: an unknown caller's overdue task is reassigned (own team first), priority raised, up to the cap")
    func step06Reassignment() {
        var s = F.router(.init(idAttempts: 0, maxReassignments: 2))
        s.logInBusy(F.stranger, F.strangerLead)
        _ = s.send(.callArrived(k1), at: 10)
        let created = s.send(.digitsCollected(k1, "1"), at: 20)
        #expect(created.count == 3 && created.last == .wakeUp(at: 1820))
        #expect(s.router.tasks[0].owner == F.stranger)
        // Team 1 comes online: more agents of loans, but the owner's team 2 is preferred.
        s.logIn(F.backup, F.mate)
        let id = CallbackTaskID(0)
        #expect(
            s.send(.wakeUp, at: 1820) == [
                .reassignCallback(id, to: F.strangerLead, priority: 1), .wakeUp(at: 2720),
            ])
        #expect(
            s.send(.wakeUp, at: 2720) == [
                .reassignCallback(id, to: F.stranger, priority: 2), .wakeUp(at: 3620),
            ])
        #expect(s.router.tasks[0].reassignments == 2 && s.router.tasks[0].state == .reassigned)
        #expect(s.send(.wakeUp, at: 3620) == [.expireCallback(id)])
        #expect(s.router.tasks[0].state == .expired)
        #expect(
            s.router.activeTaskCount(of: F.stranger) == 0 && s.router.activeTaskCount(of: F.strangerLead) == 0
        )
    }

    @Test("06: an unknown caller's task with no other agent online stays with its owner")
    func step06NoOtherAgent() {
        var s = F.router(.init(idAttempts: 0))
        s.logInBusy(F.mate)
        _ = s.send(.callArrived(k1), at: 0)
        _ = s.send(.digitsCollected(k1, "1"), at: 10)
        #expect(
            s.send(.wakeUp, at: 1810) == [
                .reassignCallback(CallbackTaskID(0), to: F.mate, priority: 1), .wakeUp(at: 2710),
            ])
    }

    @Test("a done task is not monitored any more")
    func doneTask() {
        var s = F.router()
        _ = s.send(.callerArrived(k1, caller: PhoneNumber(F.knownNumber)!), at: 0)
        _ = s.send(.digitsCollected(k1, "1"), at: 10)
        #expect(s.send(.callbackDone(CallbackTaskID(0)), at: 500) == [])
        #expect(s.router.tasks[0].state == .done && s.router.activeTaskCount(of: F.first) == 0)
        #expect(s.send(.wakeUp, at: 1810) == [])
        #expect(s.send(.callbackDone(CallbackTaskID(0)), at: 1900) == [])
    }

    @Test("the monitor asks for one wake-up per earliest deadline")
    func wakeUpsAreNotDuplicated() {
        var s = F.router(.init(idAttempts: 0, callbackDeadline: 100, followUpPeriod: 100))
        _ = s.send(.callArrived(k1), at: 0)
        #expect(s.send(.digitsCollected(k1, nil), at: 0).last == .wakeUp(at: 100))
        _ = s.send(.callArrived(k2), at: 50)
        // Due at 150, after the wake-up already asked for at 100: no new request.
        #expect(s.send(.digitsCollected(k2, nil), at: 50).last == .createCallback(s.router.tasks[1].id))
        #expect(
            s.send(.wakeUp, at: 100) == [
                .reassignCallback(CallbackTaskID(0), to: nil, priority: 1), .wakeUp(at: 150),
            ])
    }

    // MARK: - Determinism

    @Test("the same events give the same commands, twice")
    func determinism() {
        func replay() -> [[InboundCommand]] {
            var s = F.router(seed: 2026)
            var log: [[InboundCommand]] = []
            let script: [(InboundEvent, Seconds)] = [
                (.agentLoggedIn(F.mate), 0), (.agentLoggedIn(F.mate2), 0), (.agentLoggedIn(F.stranger), 0),
                (.agentLoggedIn(F.strangerLead), 0),
                (.callerArrived(k1, caller: PhoneNumber(F.newNumber)!), 1), (.digitsCollected(k1, nil), 16),
                (.digitsCollected(k1, "5"), 31),
                (.callerArrived(k2, caller: PhoneNumber(F.knownNumber)!), 40),
                (.callerArrived(k3, caller: PhoneNumber(F.otherNumber)!), 41),
                (.digitsCollected(k3, KeyedDigits(F.idNumber)!), 50), (.callerArrived(k4, caller: "15500000000"), 60),
                (.digitsCollected(k4, nil), 75), (.digitsCollected(k4, nil), 90),
                (.digitsCollected(k2, "2"), 95),
                (.digitsCollected(k3, "1"), 96), (.wakeUp, 1895), (.callbackDone(CallbackTaskID(1)), 2000),
                (.wakeUp, 2795),
            ]
            for (event, time) in script { log.append(s.send(event, at: time)) }
            return log
        }
        let a = replay(), b = replay()
        #expect(a == b)
        #expect(a.joined().contains(.routed(k2, .team)))
    }

    @Test("SplitMix64 gives the reference sequence")
    func splitMix() {
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
    }
}

@Suite("Packed numbers and keys")
struct PackedDigitsTests {
    @Test("phone numbers keep their leading zeros and plus; anything else is refused")
    func phoneNumbers() {
        for text in ["+8613800000001", "0013800000001", "0", "1234567890123456789"] {
            #expect(PhoneNumber(text)?.text == text)
        }
        for text in ["", "+", "12a4", "12345678901234567890", "+1 234"] { #expect(PhoneNumber(text) == nil, "\(text)") }
        #expect(PhoneNumber("0123") != PhoneNumber("123"))
    }

    @Test("keyed digits keep every key, up to 32")
    func keyedDigits() {
        for text in ["", "0", "110101199001011234", "*#0*#9", String(repeating: "7#", count: 16)] {
            #expect(KeyedDigits(text)?.text == text)
        }
        #expect(KeyedDigits(String(repeating: "1", count: 33)) == nil)
        let withLetter = "12X"  // a variable: a literal would be taken as a KeyedDigits literal
        #expect(KeyedDigits(withLetter) == nil)
        #expect(KeyedDigits("01") != KeyedDigits("1"))
    }
}
