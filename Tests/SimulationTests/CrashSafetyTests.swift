import CallCenter
import DialingPolicies
import Foundation
import Testing

@testable import Store

/// Crash safety (issue 5, item 4): a dialer driven through `PersistentDialer` is killed at an
/// arbitrary moment (its unwritten records lost, as with kill -9) while the softswitch carries on;
/// restarted on the same store, it resumes the task. Nothing is dialled twice by mistake, nothing
/// is lost, calls in flight are reconciled.
@Suite("Crash safety")
struct CrashSafetyTests {
    /// A softswitch and agents that outlive the dialer: calls ring, are answered (live or
    /// machine), busy or unanswered, live answers are bridged to an idle agent, agents wrap up.
    struct FakeSwitch {
        enum Fate { case live, machine, busy, noAnswer }
        struct Channel {
            var contract: ContractID
            var fate: Fate
            var started: Double
            var ended: Double? = nil
            var answered = false
            var agent: AgentID? = nil
            var answeredAt: Double? = nil
            var connectedAt: Double? = nil
            var cause = HangupCause.normalClearing
        }
        enum Event { case resolve(CallID), hangUp(CallID), wrapEnd(Int), wake }

        var rng: UInt64
        var now = 0.0
        var queue: [(time: Double, order: Int, event: Event)] = []
        var order = 0
        var channels: [CallID: Channel] = [:]
        var agents: [AgentState]
        /// Every call the softswitch placed, by contract: to check nothing was dialled twice at once.
        var placed: [ContractID: [CallID]] = [:]
        /// Whether the softswitch keeps a record of each call (its CDR) for a restarted dialer.
        var keepsRecords: Bool

        init(seed: UInt64, agents: Int, keepsRecords: Bool = true) {
            rng = seed
            self.agents = Array(repeating: .idle, count: agents)
            self.keepsRecords = keepsRecords
        }

        mutating func random() -> Double {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Double(rng >> 11) / Double(1 << 53)
        }

        mutating func schedule(_ event: Event, after delay: Double) {
            queue.append((now + delay, order, event))
            order += 1
        }

        mutating func next() -> Event? {
            guard let i = queue.indices.min(by: { (queue[$0].time, queue[$0].order) < (queue[$1].time, queue[$1].order) })
            else { return nil }
            let e = queue.remove(at: i)
            now = e.time
            return e.event
        }

        /// Places a call (an originate reached the softswitch).
        mutating func originate(_ call: CallID, _ contract: ContractID) {
            guard channels[call] == nil else {
                Issue.record("\(call) was originated twice (its id was used again after the restart)")
                return
            }
            let u = random()
            let fate: Fate = u < 0.4 ? .live : u < 0.5 ? .machine : u < 0.7 ? .busy : .noAnswer
            channels[call] = Channel(contract: contract, fate: fate, started: now)
            placed[contract, default: []].append(call)
            schedule(.resolve(call), after: fate == .noAnswer ? 30 : 3 + 10 * random())
        }

        mutating func kill(_ call: CallID) {
            guard channels[call]?.ended == nil, channels[call]?.answered == false else { return }
            channels[call]?.ended = now
            channels[call]?.cause = .originatorCancel
        }

        func status(_ call: CallID) -> PersistentDialer<ProgressiveDialer>.ChannelStatus? {
            guard let c = channels[call] else { return nil }
            if let ended = c.ended {
                guard keepsRecords else { return nil }
                return .ended(CallReport(
                    answeredAt: c.answeredAt, live: c.fate == .live, connectedAt: c.connectedAt, agent: c.agent,
                    endedAt: ended, cause: c.cause))
            }
            if let agent = c.agent { return .connected(agent, answeredAt: c.answeredAt, connectedAt: c.connectedAt) }
            if c.answered { return .answered(live: c.fate == .live, at: c.answeredAt) }
            return .ringing
        }
    }

    /// The driver side: a persistent dialer over the fake switch, which it can lose at any moment.
    struct Driver {
        var dialer: PersistentDialer<ProgressiveDialer>
        var commands: [DialerCommand] = []
        var wakeAt = Double.infinity

        mutating func start(_ agents: [AgentState], at time: Double) throws {
            try dialer.start(agents: agents, at: time, into: &commands)
        }

        mutating func handle(_ event: DialerEvent, at time: Double) throws {
            try dialer.handleOrThrow(event, at: time, into: &commands)
        }

        mutating func reconcile(at time: Double, _ world: FakeSwitch) throws -> Int {
            try dialer.reconcile(at: time, status: { world.status($0) }, into: &commands).count
        }
    }

    static func configuration() -> ProgressiveDialer.Configuration {
        var c = ProgressiveDialer.Configuration()
        c.rules = ContractRules(maxAttempts: 3, retryDelay: [.busy: 60, .noAnswer: 120, .machine: 300, .failed: 60])
        return c
    }

    /// Runs a 60-contract task on 4 agents, crashing the driver after `crashAfter` softswitch
    /// events and restarting it `downtime` seconds later; returns what the checks need.
    static func run(seed: UInt64, crashAfter: Int, downtime: Double, keepsRecords: Bool = true) throws -> (
        store: OutboundStore, world: FakeSwitch, adopted: Int, aliveAtRestart: Int
    ) {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("simcc-crash-\(getpid())-\(seed)-\(crashAfter).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var store: OutboundStore? = try OutboundStore(path: path)
        let numbers = (0..<60).map { ("1380013" + String(8000 + $0), "c\($0)") }
        _ = try store!.importContacts(
            ContactList(
                file: "(test)",
                entries: numbers.enumerated().map { .init(line: $0.offset + 2, number: $0.element.0, customer: $0.element.1) }),
            batchID: "task")
        var world = FakeSwitch(seed: seed, agents: 4, keepsRecords: keepsRecords)

        func makeDriver(_ store: OutboundStore) throws -> Driver {
            Driver(
                dialer: PersistentDialer(
                    dialer: ProgressiveDialer(configuration()), store: store, batchID: "task",
                    writer: try store.recordWriter(batchID: "task", batchSize: 7)))
        }

        /// Carries out the driver's commands on the world.
        func carryOut(_ driver: inout Driver, _ world: inout FakeSwitch) {
            for command in driver.commands {
                switch command {
                case .originate(let call, let contract, _): world.originate(call, contract)
                case .hangUp(let call): world.kill(call)
                case .wakeUp(let at):
                    if at < driver.wakeAt {
                        driver.wakeAt = at
                        world.schedule(.wake, after: max(0, at - world.now))
                    }
                case .record, .taskCompleted, .connect, .holdExpired: break
                }
            }
            driver.commands.removeAll()
        }

        var driver: Driver? = try makeDriver(store!)
        try driver!.start(world.agents, at: 0)
        carryOut(&driver!, &world)
        var events = 0
        var crashedAt: Double? = nil
        var adopted = 0, aliveAtRestart = 0
        while let event = world.next() {
            events += 1
            // A dialer that never finishes would wake forever: a day is far more than the task needs.
            guard world.now < 86_400 else {
                Issue.record("the task did not finish within a day (crash after \(crashAfter) events)")
                break
            }
            if driver != nil && events == crashAfter {
                // kill -9: unwritten records vanish, the process is gone; the switch carries on.
                driver!.dialer.writer.simulateCrash()
                driver = nil
                store = nil
                crashedAt = world.now
                world.schedule(.wake, after: downtime)
            }
            // What the softswitch does whether or not anyone listens; the events it sends.
            var sent: [DialerEvent] = []
            switch event {
            case .resolve(let call):
                guard var c = world.channels[call], c.ended == nil else { break }
                switch c.fate {
                case .busy:
                    c.ended = world.now
                    c.cause = .userBusy
                    sent.append(.callEnded(call, cause: .userBusy))
                case .noAnswer:
                    c.ended = world.now
                    c.cause = .noAnswer
                    sent.append(.callEnded(call, cause: .noAnswer))
                case .machine:
                    c.answered = true
                    c.answeredAt = world.now
                    sent.append(.callAnswered(call, live: false))
                    world.schedule(.hangUp(call), after: 4)
                case .live:
                    c.answered = true
                    c.answeredAt = world.now
                    sent.append(.callAnswered(call, live: true))
                    if let a = world.agents.firstIndex(of: .idle) {
                        world.agents[a] = .talking
                        c.agent = AgentID(a)
                        c.connectedAt = world.now
                        sent.append(.agent(AgentID(a), .talking))
                        sent.append(.callConnected(call, AgentID(a)))
                        world.schedule(.hangUp(call), after: 60 + 60 * world.random())
                    } else {
                        world.schedule(.hangUp(call), after: 5)  // nobody free: the customer hangs up
                    }
                }
                world.channels[call] = c
            case .hangUp(let call):
                guard var c = world.channels[call], c.ended == nil else { break }
                c.ended = world.now
                sent.append(.callEnded(call, cause: .normalClearing))
                if let agent = c.agent {
                    world.agents[agent.index] = .wrapUp
                    sent.append(.agent(agent, .wrapUp))
                    world.schedule(.wrapEnd(agent.index), after: 10)
                }
                world.channels[call] = c
            case .wrapEnd(let a):
                world.agents[a] = .idle
                sent.append(.agent(AgentID(a), .idle))
            case .wake:
                if driver == nil, let crashed = crashedAt, world.now >= crashed + downtime {
                    // The restart: a new process opens the store and resumes the task.
                    store = try OutboundStore(path: path)
                    driver = try makeDriver(store!)
                    try driver!.start(world.agents, at: world.now)
                    adopted = driver!.dialer.adopted.count
                    aliveAtRestart = try driver!.reconcile(at: world.now, world)
                    carryOut(&driver!, &world)
                    crashedAt = nil
                } else if driver != nil && world.now >= driver!.wakeAt {
                    driver!.wakeAt = .infinity
                    sent.append(.wakeUp)
                }
            }
            guard driver != nil else { continue }
            for e in sent {
                try driver!.handle(e, at: world.now)
                carryOut(&driver!, &world)
            }
        }
        try driver?.dialer.writer.close()
        return (try OutboundStore(path: path), world, adopted, aliveAtRestart)
    }

    @Test("Killed at any of 40 moments and restarted: every call recorded once, no contract dialled twice at once or too often, every contract closed")
    func crashAndResume() throws {
        var adoptedRuns = 0, aliveRuns = 0
        for (k, crashAfter) in stride(from: 7, through: 400, by: 10).enumerated() {
            let seed = UInt64(11 + k)
            let (store, world, adopted, alive) = try Self.run(
                seed: seed, crashAfter: crashAfter, downtime: k % 2 == 0 ? 20 : 90)
            if adopted > 0 { adoptedRuns += 1 }
            if alive > 0 { aliveRuns += 1 }
            let records = try store.callRecords(batchID: "task")
            // Every call the softswitch placed has exactly one record; no record of a call it never placed.
            let placed = Set(world.channels.keys)
            #expect(Set(records.map(\.call)) == placed, "crash after \(crashAfter) events")
            #expect(records.count == placed.count, "crash after \(crashAfter): duplicate records")
            // No contract dialled twice at once, nor more often than the rules allow.
            for (contract, calls) in world.placed {
                #expect(calls.count <= 3, "\(contract) dialled \(calls.count) times")
                let spans = calls.compactMap { world.channels[$0] }.map { ($0.started, $0.ended ?? .infinity) }
                    .sorted { $0.0 < $1.0 }
                for (a, b) in zip(spans, spans.dropFirst()) {
                    #expect(a.1 <= b.0, "\(contract): two calls at once (crash after \(crashAfter))")
                }
            }
            // The task is finished, in the store: every contract closed, nothing in flight, the
            // snapshot saved.
            let task = try store.loadTask(batchID: "task")
            #expect(task.contracts.allSatisfy { $0.state == .completed || $0.state == .failed })
            #expect(task.callsInFlight.isEmpty)
            #expect(task.firstCallID > records.map(\.call.rawValue).max() ?? 0)
            #expect(try store.latestSnapshot(batchID: "task")?.isComplete == true)
            // Each contract's attempts are its records.
            for c in task.contracts {
                #expect(c.attempts == records.filter { $0.contract == c.id }.count)
            }
            // Each record tells what the softswitch did, with its times and cause, whether the
            // dialer saw the end or read it from the record after the restart.
            for r in records {
                guard let c = world.channels[r.call] else { continue }
                #expect(r.endedAt == c.ended, "\(r.call): ended at \(r.endedAt), the switch says \(c.ended ?? -1)")
                #expect(r.cause == c.cause, "\(r.call): \(r.cause), the switch says \(c.cause)")
                #expect(r.answeredAt == c.answeredAt && r.connectedAt == c.connectedAt, "\(r.call) (crash after \(crashAfter)): record \(String(describing: r.answeredAt)) \(String(describing: r.connectedAt)) \(r.outcome), switch \(String(describing: c.answeredAt)) \(String(describing: c.connectedAt)) \(c.fate)")
                #expect((r.outcome == .connected) == (c.connectedAt != nil), "\(r.call): \(r.outcome)")
            }
            Self.expectNoServedCustomerDialledAgain(world, "crash after \(crashAfter)")
        }
        // The crash points did catch calls in flight, some still alive at the restart.
        #expect(adoptedRuns >= 10)
        #expect(aliveRuns >= 5)
    }

    /// No contract is dialled after one of its calls reached an agent.
    static func expectNoServedCustomerDialledAgain(_ world: FakeSwitch, _ context: String) {
        for (contract, calls) in world.placed {
            if let served = calls.firstIndex(where: { world.channels[$0]?.connectedAt != nil }) {
                #expect(served == calls.count - 1, "\(contract) was served by \(calls[served]) and dialled again (\(context))")
            }
        }
    }

    @Test("Killed at 20 moments with the softswitch keeping no records: a call that ended out of sight holds its contract for review (never redialled), one seen connected is served")
    func crashWithoutRecords() throws {
        var reviewed = 0
        for (k, crashAfter) in stride(from: 13, through: 400, by: 20).enumerated() {
            let (store, world, _, _) = try Self.run(
                seed: UInt64(101 + k), crashAfter: crashAfter, downtime: k % 2 == 0 ? 30 : 120, keepsRecords: false)
            let records = try store.callRecords(batchID: "task")
            let task = try store.loadTask(batchID: "task")
            #expect(task.contracts.allSatisfy { $0.state.isClosed }, "crash after \(crashAfter)")
            #expect(task.callsInFlight.isEmpty)
            #expect(Set(records.map(\.call)) == Set(world.channels.keys) && records.count == world.channels.count)
            Self.expectNoServedCustomerDialledAgain(world, "crash after \(crashAfter), no records")
            for r in records where r.outcome == .unknown {
                // Nobody saw its end: held for review, its last attempt, and never connected as far
                // as the dialer knew.
                #expect(r.cause == .crash && r.connectedAt == nil)
                #expect(task.contracts[r.contract.index].state == .review)
                #expect(world.placed[r.contract]?.last == r.call, "\(r.contract) dialled after its fate became unknown")
            }
            for c in task.contracts where c.state == .review {
                #expect(c.lastOutcome == .unknown)
            }
            reviewed += task.contracts.filter { $0.state == .review }.count
            #expect(try store.latestSnapshot(batchID: "task")?.isComplete == true)
        }
        // The crash points did leave calls whose end nobody saw.
        #expect(reviewed >= 5)
    }

    @Test("The store's side: calls written down before launch come back in flight; their record takes them off")
    func callsInFlightInTheStore() throws {
        let store = try OutboundStore.inMemory()
        _ = try store.importContacts(
            ContactList(file: "(t)", entries: [.init(line: 2, number: "13800138000", customer: "a"),
                                               .init(line: 3, number: "13800138001", customer: "b")]),
            batchID: "t")
        var task = try store.loadTask(batchID: "t")
        #expect(task.callsInFlight.isEmpty)
        #expect(task.firstCallID == 1)
        var a = task.contracts[0], b = task.contracts[1]
        a.state = .dialing
        a.attempts = 1
        b.state = .dialing
        b.attempts = 1
        let calls = [
            CallInFlight(call: CallID(5), contract: a.id, attempt: 1, dialedAt: 10),
            CallInFlight(call: CallID(6), contract: b.id, attempt: 1, dialedAt: 10),
        ]
        try store.beginCalls(calls, contracts: [a, b], batchID: "t")
        task = try store.loadTask(batchID: "t")
        #expect(task.callsInFlight == calls)
        #expect(task.firstCallID == 7)
        #expect(task.contracts.map(\.state) == [.dialing, .dialing])
        // A second call on a contract still in flight is refused, and nothing of it is written.
        #expect(throws: StoreError.self) {
            try store.beginCalls([CallInFlight(call: CallID(7), contract: a.id, attempt: 2, dialedAt: 11)], contracts: [], batchID: "t")
        }
        #expect(try store.loadTask(batchID: "t").callsInFlight.count == 2)
        // The record of call 5, with its contract's new state, takes it off the calls in flight.
        let writer = try store.recordWriter(batchID: "t")
        a.state = .completed
        a.lastOutcome = .connected
        writer.append(
            CallRecord(
                call: CallID(5), contract: a.id, attempt: 1, dialedAt: 10, answeredAt: 20, connectedAt: 21, endedAt: 80,
                outcome: .connected, cause: .normalClearing, agent: AgentID(0)),
            contract: a)
        try writer.close()
        task = try store.loadTask(batchID: "t")
        #expect(task.callsInFlight == [calls[1]])
        #expect(task.contracts[0].state == .completed && task.contracts[0].lastOutcome == .connected)
        #expect(task.firstCallID == 7)
        // A restarted dialer takes call 6 over: it is in flight, its contract not dialled again.
        var dialer = ProgressiveDialer(Self.configuration())
        var commands: [DialerCommand] = []
        try dialer.start(task: task, agents: [.idle, .idle], at: 100, into: &commands)
        #expect(dialer.core.inFlight[CallID(6)]?.contract == b.id)
        #expect(!commands.contains { if case .originate = $0 { true } else { false } })
        dialer.handle(.callEnded(CallID(6), cause: .crash), at: 101, into: &commands)
        #expect(commands.contains { if case .record(let r) = $0 { r.call == CallID(6) && r.outcome == .failed && r.cause == .crash } else { false } })
    }
}
