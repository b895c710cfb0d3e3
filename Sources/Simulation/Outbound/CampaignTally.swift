import CallCenter
import Scenarios
import SimKernel

// MARK: - What a campaign study counts of the simulated softswitch

/// The figures of a campaign study (`OutboundColumn`), counted as the simulated softswitch
/// (`RoutingWorld`, with no inbound callers) carries out the campaign: attempts in the interval
/// they were dialled, answers, abandons and connections in the interval the call was answered,
/// agent time in the interval it was spent (up to the run's end, past the horizon), each agent
/// staffed while logged in.
struct CampaignTally {
    /// An agent's state, as the campaign's figures see it.
    enum State: Equatable { case loggedOut, idle, talking, wrapUp, paused }

    var series: IntervalSeries
    var totals = [Double](repeating: 0, count: OutboundColumn.allCases.count)
    var state: [State]
    var stateSince: [Double]
    /// Dials, answers' ends, talks' ends and customers lost: the campaign's model events.
    var modelEvents = 0
    /// When the dialer emitted the task snapshot (S34).
    var completedAt: Double?
    /// The last event of the run, not counting a hold deadline of the center's that found nobody
    /// waiting (it would stretch the agents' staffed time past the last call).
    var lastEvent = 0.0

    init(_ scenario: RoutingScenario) {
        series = IntervalSeries(
            width: scenario.interval, horizon: scenario.horizon, columns: OutboundColumn.allCases.count)
        state = scenario.agentHours.map { $0.start <= 0 ? .idle : .loggedOut }
        stateSince = Array(repeating: 0, count: scenario.agents)
    }

    mutating func count(_ column: OutboundColumn, _ amount: Double, at time: Double) {
        series.add(amount, column: column.rawValue, at: time)
        totals[column.rawValue] += amount
    }

    /// Agent `agent` is now in `new` (the time in the previous state is booked).
    mutating func set(_ agent: Int, _ new: State, at time: Double) {
        accrue(agent, until: time)
        state[agent] = new
    }

    mutating func accrue(_ agent: Int, until time: Double) {
        let from = stateSince[agent]
        stateSince[agent] = time
        guard time > from else { return }
        if state[agent] != .loggedOut {
            series.addArea(level: 1, column: OutboundColumn.staffedSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.staffedSeconds.rawValue] += time - from
        }
        switch state[agent] {
        case .talking:
            series.addArea(level: 1, column: OutboundColumn.talkSeconds.rawValue, from: from, to: time)
            series.addArea(level: 1, column: OutboundColumn.busyAgentSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.talkSeconds.rawValue] += time - from
            totals[OutboundColumn.busyAgentSeconds.rawValue] += time - from
        case .wrapUp:
            series.addArea(level: 1, column: OutboundColumn.busyAgentSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.busyAgentSeconds.rawValue] += time - from
        case .paused:
            series.addArea(level: 1, column: OutboundColumn.pausedSeconds.rawValue, from: from, to: time)
            totals[OutboundColumn.pausedSeconds.rawValue] += time - from
        case .idle, .loggedOut:
            break
        }
    }

    /// The replication's figures, every agent's time booked until `end`.
    mutating func replication(_ index: Int, contracts: Int, until end: Double) -> OutboundReplication {
        for a in state.indices { accrue(a, until: end) }
        return OutboundReplication(
            replication: index, series: series, totals: totals, contracts: contracts, completedAt: completedAt,
            modelEvents: modelEvents)
    }
}
