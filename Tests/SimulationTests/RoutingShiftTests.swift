import CallCenter
import DialingPolicies
import Foundation
import RoutingPolicies
import Simulation
import Testing

/// Shifts in a routing study (one simulated softswitch: the agents of a routing or blended study
/// log in and out as a campaign's do), so a blend can be studied with the day's staffing.
@Suite("Shifts in routing studies")
struct RoutingShiftTests {
    final class Calls: RoutingSink, @unchecked Sendable {
        let lock = NSLock()
        var records: [InboundCallRecord] = []
        func record(variant: Int, _ record: RoutingRecord) {
            if case .inboundCall(let call) = record { lock.withLock { records.append(call) } }
        }
    }

    @Test("agents take callers only on their shift (they finish the call they are on), and staffed time is their shifts")
    func agentsWorkTheirShifts() throws {
        var s = BlendingTests.world(agents: 4, inboundPerHour: 90, hours: 2, replications: 3, blend: nil)
        s.shifts = [Shift(start: 0, end: 3600, agents: 2), Shift(start: 3600, end: 7200, agents: 2)]
        let calls = Calls()
        let reps = try RoutingRunner.run(s, threads: 1, sink: (0, calls))
        let served = calls.records.filter { $0.agent != nil }
        #expect(served.count > 60)
        for call in served {
            let agent = call.agent!.index, at = call.connectedAt!
            if agent < 2 {
                #expect(at <= 3600, "\(call.call) connected to agent#\(agent) at \(at), after their shift")
            } else {
                #expect(at >= 3600, "\(call.call) connected to agent#\(agent) at \(at), before their shift")
            }
        }
        #expect(served.contains { $0.agent!.index < 2 } && served.contains { $0.agent!.index >= 2 })
        for rep in reps {
            // Each agent's shift, and the end of the call the first shift's agents were on at 1 h.
            let staffed = rep.total(.staffedAgentSeconds)
            #expect(staffed >= 4 * 3600 && staffed < 4 * 3600 + 2 * 1800, "\(staffed)")
            let used = rep.total(.inboundAgentSeconds) + rep.total(.idleAgentSeconds)
            #expect(abs(used - rep.total(.staffedAgentSeconds)) < 1e-6)
            #expect(rep.total(.offered) == rep.total(.answered) + rep.total(.abandonedInQueue) + rep.total(.blocked))
        }
        // Half the agents at a time answer fewer callers within the target than all four all day.
        var allDay = s
        allDay.shifts = []
        let full = try RoutingRunner.run(allDay, threads: 1)
        let level = { (r: [RoutingReplication]) in r.map(\.serviceLevel).reduce(0, +) / Double(r.count) }
        #expect(level(reps) < level(full))
    }

    @Test("a blended campaign with shifts and no inbound callers is the campaign world with the same shifts, call for call")
    func blendedShiftsAreTheCampaigns() throws {
        let shifts = [Shift(start: 0, end: 2400, agents: 4), Shift(start: 1200, end: 7200, agents: 6)]
        for dialer in [DialerPolicy.patent(.init()), .progressive(.init())] {
            var alone = campaign(variants: [DialerVariant(name: "d", policy: dialer)]) { world in
                world.pauses.afterCall = 0.2
            }
            alone.shifts = shifts
            var world = BlendingTests.world(inboundPerHour: 0, blend: nil)
            world.outbound = Blend(
                contacts: alone.contacts, world: alone.world, dialer: dialer, rule: Blend.Rule())
            world.shifts = shifts
            let a = try OutboundRunner.run(alone).runs[0]
            let b = try RoutingRunner.run(world)
            for (x, y) in zip(a, b) {
                #expect(x.total(.attempts) == y.total(.outboundAttempts), "\(dialer.kind) replication \(x.replication)")
                #expect(x.total(.connected) == y.total(.outboundConnected))
                #expect(x.total(.abandoned) == y.total(.outboundAbandoned))
                #expect(abs(x.total(.waitSum) - y.total(.outboundWaitSum)) < 1e-6)
                #expect(x.total(.closedContracts) == y.total(.outboundClosedContracts))
            }
        }
    }

    @Test("pauses after inbound calls: agents on a break take no caller (fewer served within the target); none asked for changes nothing")
    func inboundPauses() throws {
        let plain = BlendingTests.world(agents: 6, inboundPerHour: 90, hours: 2, replications: 6, blend: nil)
        var zero = plain
        zero.pauses.afterCall = 0
        zero.pauses.awayShare = 0.5
        #expect(try RoutingRunner.run(zero, threads: 1) == RoutingRunner.run(plain, threads: 1))
        var paused = plain
        paused.pauses.afterCall = 0.5
        paused.pauses.duration = .deterministic(600)
        let with = try RoutingRunner.run(paused, threads: 1)
        let without = try RoutingRunner.run(plain, threads: 1)
        let level = { (r: [RoutingReplication]) in r.map(\.serviceLevel).reduce(0, +) / Double(r.count) }
        #expect(level(with) < level(without) - 0.05, "\(level(with)) vs \(level(without))")
        // A break counts as idle time: agents are busy less of their staffed time.
        let busy = { (r: [RoutingReplication]) in r.map(\.inboundUtilisation).reduce(0, +) / Double(r.count) }
        #expect(busy(with) < busy(without))
        #expect(try RoutingRunner.run(paused, threads: 2) == with, "the same figures on any number of threads")
    }
}
