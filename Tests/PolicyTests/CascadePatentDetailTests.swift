import CallCenter
import RoutingPolicies
import Testing

/// The people of these tests. Team 1: `first` (loans), `backup` (loans), `mateCards` (cards),
/// `leader` (loans, cards); team 2: `otherLoans` (loans), `otherCards` (cards), `otherLead`
/// (loans, leads team 2). Customer 0 is bound to `first`; their ID number ends in the check
/// character X.
private enum P {
    static let first = AgentID(0), backup = AgentID(1), mateCards = AgentID(2), leader = AgentID(3)
    static let otherLoans = AgentID(4), otherCards = AgentID(5), otherLead = AgentID(6)
    static let team1 = TeamID(1), team2 = TeamID(2)
    static let loans = BusinessTypeID(1), cards = BusinessTypeID(2)
    static let knownNumber = "13800000001"
    static let residentID = "11010519491231002X"

    static var directory: Directory {
        var d = Directory()
        d.businessTypes = [BusinessType(id: loans, name: "loans"), BusinessType(id: cards, name: "cards")]
        d.addAgent(AgentProfile(id: first, team: team1, backup: backup, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: backup, team: team1, backup: first, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: mateCards, team: team1, businessTypes: [cards]))
        d.addAgent(AgentProfile(id: leader, team: team1, isLeader: true, businessTypes: [loans, cards]))
        d.addAgent(AgentProfile(id: otherLoans, team: team2, businessTypes: [loans]))
        d.addAgent(AgentProfile(id: otherCards, team: team2, businessTypes: [cards]))
        d.addAgent(AgentProfile(id: otherLead, team: team2, isLeader: true, businessTypes: [loans]))
        d.addCustomer(numbers: [knownNumber], idNumber: residentID, firstAgent: first)
        return d
    }

    static func router(_ configuration: CascadeRouter.Configuration = .init(), seed: UInt64 = 7)
        -> RouterScript<CascadeRouter>
    {
        RouterScript(
            CascadeRouter(directory: directory, configuration: configuration, random: SplitMix64(seed: seed)))
    }

    /// The known customer calls as `call`.
    static func known(_ call: CallID) -> InboundEvent {
        .callerArrived(call, caller: PhoneNumber(knownNumber)!)
    }
}

private let q1 = CallID(201), q2 = CallID(202), q3 = CallID(203), q4 = CallID(204)

extension RouterScript {
    /// Logs these agents in, in this order (the first is then idle the longest).
    fileprivate mutating func logInAll(_ agents: AgentID...) {
        for agent in agents { #expect(send(.agentLoggedIn(agent)) == []) }
    }
}

@Suite("CascadeRouter: step 013's group, ID numbers ending in X, the customer 021 creates")
struct CascadePatentDetailTests {
    // MARK: - 013: team or skill group

    @Test("013 by default is the first agent's team: a teammate of another skill, not a stranger of the same")
    func step013TeamByDefault() {
        #expect(CascadeRouter.Configuration().secondAgentGroup == .team)
        var s = P.router()
        s.logInAll(P.otherLoans, P.mateCards)  // otherLoans idle the longest, but of team 2
        #expect(s.send(P.known(q1), at: 1) == [.connect(q1, to: P.mateCards), .routed(q1, .team)])
        // Nobody of team 1 left but the leader, who is offline: 03, never team 2's agent.
        #expect(
            s.send(P.known(q2), at: 2) == [
                .collectDigits(q2, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(q2, .callback),
            ])
    }

    @Test("013 by skill group: an agent of any team serving a business type the first agent serves")
    func step013SkillGroup() {
        var s = P.router(.init(secondAgentGroup: .skillGroup))
        s.logInAll(P.otherCards, P.mateCards, P.otherLoans)
        // mateCards is a teammate but serves cards only; otherLoans (team 2) serves loans.
        #expect(s.send(P.known(q1), at: 1) == [.connect(q1, to: P.otherLoans), .routed(q1, .team)])
        // No loans agent left: 03, though two cards agents are idle.
        #expect(
            s.send(P.known(q2), at: 2) == [
                .collectDigits(q2, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(q2, .callback),
            ])
    }

    @Test(
        "013 by skill group: the one idle the longest; the first agent's leader is left to 014, another team's is not"
    )
    func step013SkillGroupOrderAndLeaders() {
        var s = P.router(.init(secondAgentGroup: .skillGroup))
        s.logInAll(P.leader, P.otherLead, P.otherLoans)
        // The leader of team 1 has been idle the longest but is step 014's; team 2's leader is
        // only another loans agent, idle longer than otherLoans.
        #expect(s.send(P.known(q1), at: 1) == [.connect(q1, to: P.otherLead), .routed(q1, .team)])
        #expect(s.send(P.known(q2), at: 2) == [.connect(q2, to: P.otherLoans), .routed(q2, .team)])
        #expect(s.send(P.known(q3), at: 3) == [.connect(q3, to: P.leader), .routed(q3, .leader)])
        // 011 and 012 still come first.
        s.logInAll(P.backup, P.first)
        #expect(s.send(P.known(q4), at: 4) == [.connect(q4, to: P.first), .routed(q4, .firstAgent)])
    }

    @Test("013 by skill group: a first agent serving no business type has no second agent")
    func step013SkillGroupNone() {
        var d = P.directory
        d.addAgent(AgentProfile(id: P.first, team: P.team1, backup: P.backup, businessTypes: []))
        var s = RouterScript(
            CascadeRouter(
                directory: d, configuration: .init(secondAgentGroup: .skillGroup), random: SplitMix64(seed: 1)
            ))
        s.logInAll(P.otherLoans, P.mateCards)
        #expect(
            s.send(P.known(q1), at: 1) == [
                .collectDigits(q1, prompt: .callbackMenu, maxDigits: 1, timeout: 10), .routed(q1, .callback),
            ])
    }

    // MARK: - 02: an ID number ending in X, keyed `*`

    @Test("keys to ID number: a final * is the check character X of an 18-character number, nothing else")
    func keyedIDNumbers() {
        #expect(KeyedDigits("11010519491231002*").idNumber == "11010519491231002X")
        #expect(KeyedDigits("110105194912310021").idNumber == "110105194912310021")
        #expect(KeyedDigits("123").idNumber == "123")
        #expect(KeyedDigits("12*").idNumber == nil, "X is only a resident ID number's 18th character")
        #expect(KeyedDigits("1101051949*2310021").idNumber == nil)
        #expect(KeyedDigits("11010519491231002#").idNumber == nil)
        #expect(KeyedDigits("").idNumber == nil)
        #expect(KeyedDigits(idNumber: "11010519491231002x")?.text == "11010519491231002*")
        #expect(KeyedDigits(idNumber: "110105194912310021")?.text == "110105194912310021")
        #expect(KeyedDigits(idNumber: "1234X") == nil)
        #expect(IDCardNumber.canonical("11010519491231002x") == "11010519491231002X")
        #expect(IDCardNumber.canonical(String(repeating: "9", count: 32)) != nil)
        #expect(IDCardNumber.canonical(String(repeating: "9", count: 33)) == nil)
        #expect(IDCardNumber.canonical("X") == nil)
        #expect(IDCardNumber.canonical(" 123") == nil)
    }

    @Test(
        "02: a caller keying * for the X of their ID number is recognised, bound and routed to their first agent"
    )
    func step02ResidentIDWithX() {
        var s = P.router()
        s.logInAll(P.first)
        let caller = PhoneNumber("13900000009")
        #expect(
            s.send(.callerArrived(q1, caller: caller), at: 0) == [
                .collectDigits(q1, prompt: .idNumber(attempt: 1), maxDigits: 18, timeout: 15)
            ])
        #expect(
            s.send(.digitsCollected(q1, "11010519491231002*"), at: 9) == [
                .bindNumber(caller, to: CustomerID(0)), .connect(q1, to: P.first),
                .routed(q1, .idMatched(then: .firstAgent)),
            ])
        #expect(s.router.directory.customer(number: caller.text)?.id == CustomerID(0))
    }

    @Test("02: the same 17 digits with another last key are not the customer")
    func step02WrongCheckKey() {
        var s = P.router(.init(idAttempts: 1))
        s.logInAll(P.mateCards)
        _ = s.send(.callerArrived(q1, caller: "13900000009"), at: 0)
        #expect(
            s.send(.digitsCollected(q1, "110105194912310021"), at: 9) == [
                .connect(q1, to: P.mateCards), .routed(q1, .random), .createCustomer(CustomerID(1)),
            ])
    }

    // MARK: - 021: the new customer carries the ID number keyed at 02

    @Test(
        "021: the new customer carries the number and the ID number keyed at 02, and is recognised by either")
    func step021KeepsKeyedIDNumber() {
        var s = P.router(.init(idAttempts: 2))
        s.logInAll(P.otherCards)
        let caller = PhoneNumber("13700000003")
        _ = s.send(.callerArrived(q1, caller: caller), at: 0)
        #expect(
            s.send(.digitsCollected(q1, "22010519800101007*"), at: 8) == [
                .collectDigits(q1, prompt: .idNumber(attempt: 2), maxDigits: 18, timeout: 15)
            ])
        // The second attempt times out: the ID number keyed first is the one kept.
        #expect(
            s.send(.digitsCollected(q1, nil), at: 23) == [
                .connect(q1, to: P.otherCards), .routed(q1, .random), .createCustomer(CustomerID(1)),
            ])
        #expect(
            s.router.directory.customer(CustomerID(1))
                == Customer(
                    id: CustomerID(1), numbers: [caller.text], idNumber: "22010519800101007X",
                    firstAgent: P.otherCards))

        // Next time, from another number: recognised at 02 by the ID number alone.
        _ = s.send(.agentAvailable(P.otherCards), at: 100)
        let other = PhoneNumber("13700000004")
        _ = s.send(.callerArrived(q2, caller: other), at: 200)
        #expect(
            s.send(.digitsCollected(q2, "22010519800101007*"), at: 208) == [
                .bindNumber(other, to: CustomerID(1)), .connect(q2, to: P.otherCards),
                .routed(q2, .idMatched(then: .firstAgent)),
            ])
        // And from the first number: recognised at 01.
        _ = s.send(.agentAvailable(P.otherCards), at: 300)
        #expect(
            s.send(.callerArrived(q3, caller: caller), at: 301) == [
                .connect(q3, to: P.otherCards), .routed(q3, .firstAgent),
            ])
    }

    @Test("021: the last ID number keyed is kept; keys that spell none are not")
    func step021LastKeyedIDNumber() {
        var s = P.router(.init(idAttempts: 3))
        s.logInAll(P.otherLoans)
        _ = s.send(.callerArrived(q1, caller: "13700000003"), at: 0)
        _ = s.send(.digitsCollected(q1, "5550001"), at: 5)
        _ = s.send(.digitsCollected(q1, "5550002"), at: 10)
        _ = s.send(.digitsCollected(q1, "55*0003"), at: 15)  // not an ID number
        #expect(s.router.directory.customer(CustomerID(1))?.idNumber == "5550002")
        #expect(s.router.directory.customer(idNumber: "5550002")?.id == CustomerID(1))
        #expect(s.router.directory.customer(idNumber: "5550001") == nil)
    }

    @Test("021: a withheld number with an ID number keyed still makes a customer; with neither, none")
    func step021WithheldNumber() {
        var s = P.router(.init(idAttempts: 1))
        s.logInAll(P.otherLoans, P.otherCards)
        _ = s.send(.callArrived(q1), at: 0)
        #expect(
            s.send(.digitsCollected(q1, "4440001"), at: 5).last == .createCustomer(CustomerID(1)))
        #expect(
            s.router.directory.customer(CustomerID(1))?.idNumber == "4440001"
                && s.router.directory.customer(CustomerID(1))?.numbers == [])
        _ = s.send(.callArrived(q2), at: 10)
        let commands = s.send(.digitsCollected(q2, nil), at: 25)
        #expect(commands.count == 2 && commands[1] == .routed(q2, .random))
        #expect(s.router.directory.customers.count == 2)
    }

    @Test("021 without binding new customers: no customer, whatever was keyed")
    func step021NoBinding() {
        var s = P.router(.init(idAttempts: 1, bindNewCustomerToServingAgent: false))
        s.logInAll(P.otherLoans)
        _ = s.send(.callerArrived(q1, caller: "13700000003"), at: 0)
        #expect(
            s.send(.digitsCollected(q1, "4440001"), at: 5) == [
                .connect(q1, to: P.otherLoans), .routed(q1, .random),
            ])
        #expect(s.router.directory.customers.count == 1)
    }
}
