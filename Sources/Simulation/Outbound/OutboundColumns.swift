import CallCenter
import CenterPolicies
import DialingPolicies
import Foundation
import Scenarios
import SimKernel

// MARK: - What an outbound replication measures

/// The columns of an outbound run's per-interval series and totals.
///
/// Attempts count in the interval they were dialled; answers, abandons and connections in the
/// interval the call was answered; agent time in the interval it was spent.
public enum OutboundColumn: Int, CaseIterable, Sendable {
    /// Calls dialled.
    case attempts
    /// Live answers.
    case liveAnswers
    /// Live answers connected to an agent.
    case connected
    /// Live answers not connected within the grace (the regulators' abandoned calls).
    case abandoned
    /// Live answers never connected (the customer or the system hung up).
    case unserved
    /// Machine answers.
    case machines
    /// Busy lines.
    case busy
    /// Unanswered calls.
    case noAnswer
    /// Invalid numbers.
    case invalid
    /// Sum of live answers' waits for an agent (to connection, or to hang-up), seconds.
    case waitSum
    /// Agent-seconds talking.
    case talkSeconds
    /// Agent-seconds talking or in wrap-up.
    case busyAgentSeconds
    /// Agent-seconds paused.
    case pausedSeconds
    /// Agent-seconds logged in.
    case staffedSeconds
    /// Contracts completed (connected) or failed, counted when it happened.
    case closedContracts
}

/// One replication of one variant: per-interval sums, totals, and the end state.
public struct OutboundReplication: Sendable, Hashable {
    /// The replication's index.
    public var replication: Int
    /// Per-interval sums, columns as in `OutboundColumn`.
    public var series: IntervalSeries
    /// Sums over the whole campaign.
    public var totals: [Double]
    /// Contracts in the list.
    public var contracts: Int
    /// When the dialer emitted the task snapshot (S34), if it finished the list.
    public var completedAt: Double?
    /// Model events processed.
    public var modelEvents: Int

    /// The total of `column`.
    public func total(_ column: OutboundColumn) -> Double { totals[column.rawValue] }
}
