// MARK: - What a routing run records (plain values: the store writes them, the simulation and
// the live router make them)

/// A customer created during a run (step 021: an unknown caller served by an agent, who
/// becomes their first agent); the router's `InboundCommand.createCustomer`.
public struct CreatedCustomer: Hashable, Sendable {
    /// The customer as the router's directory holds it; its id must be the store's next one.
    public var customer: Customer
    /// When it was created, on the driver's clock.
    public var at: Seconds

    /// A customer created at `at`.
    public init(_ customer: Customer, at: Seconds) {
        self.customer = customer
        self.at = at
    }
}

/// A phone number bound to a customer (step 02, claim 2): the router's
/// `InboundCommand.bindNumber`. Persisted, so that a restarted router recognises the number at 01.
public struct NumberBinding: Hashable, Sendable {
    /// The number, `+` and digits.
    public var number: String
    /// The customer it now belongs to.
    public var customer: CustomerID
    /// When it was bound, on the driver's clock.
    public var at: Seconds

    /// `number` bound to `customer` at `at`.
    public init(number: String, customer: CustomerID, at: Seconds) {
        self.number = number
        self.customer = customer
        self.at = at
    }

    /// `number` (as the seam carries it) bound to `customer` at `at`.
    public init(_ number: PhoneNumber, customer: CustomerID, at: Seconds) {
        self.init(number: number.text, customer: customer, at: at)
    }
}

/// Something that happened to a callback task (steps 04-06), as the router's commands say it.
public enum CallbackEvent: Hashable, Sendable {
    /// 04 and 05: the task was created (at `created`), already assigned to its owner when it has one.
    case created(CallbackTask)
    /// 06, known customer: `agent` was reminded of the overdue task at `at`, which is now at
    /// `priority`; `deadline`, when given, is the monitor's next check.
    case reminded(CallbackTaskID, agent: AgentID, priority: Int, deadline: Seconds? = nil, at: Seconds)
    /// 06, unknown customer: the task was given to `to` (nil: no agent online) at `at`, now at
    /// `priority`; `deadline`, when given, is the monitor's next check.
    case reassigned(CallbackTaskID, to: AgentID?, priority: Int, deadline: Seconds? = nil, at: Seconds)
    /// The agent `by` (nil: its owner) called the customer back, at `at`.
    case done(CallbackTaskID, by: AgentID? = nil, at: Seconds)
    /// The task ran out of reminders or reassignments at `at`: no longer monitored.
    case expired(CallbackTaskID, at: Seconds)

    /// The task the event is about.
    public var task: CallbackTaskID {
        switch self {
        case .created(let task): task.id
        case .reminded(let id, _, _, _, _), .reassigned(let id, _, _, _, _), .done(let id, _, _),
            .expired(let id, _):
            id
        }
    }

    /// When it happened, on the driver's clock.
    public var at: Seconds {
        switch self {
        case .created(let task): task.created
        case .reminded(_, _, _, _, let at), .reassigned(_, _, _, _, let at), .done(_, _, let at),
            .expired(_, let at):
            at
        }
    }
}

/// How an inbound call ended.
public enum InboundCallEnding: String, Hashable, Sendable, Codable, CaseIterable {
    /// Connected to an agent, talked, hung up.
    case served
    /// Refused: no place in the queue (the caller heard busy).
    case blocked
    /// The caller hung up while waiting for an agent.
    case abandonedInQueue = "abandoned-in-queue"
    /// The caller hung up in the IVR (the ID-number prompt or the callback menu).
    case abandonedInIVR = "abandoned-in-ivr"
    /// Ended at 04 after the callback announcement: a callback task was created.
    case callback
    /// The router hung up otherwise (a baseline with nothing to offer).
    case hungUp = "hung-up"
}

/// One inbound call: who called, how the cascade routed it, how it ended.
public struct InboundCallRecord: Hashable, Sendable {
    /// The call.
    public var call: CallID
    /// The calling number, `+` and digits, if the softswitch said.
    public var caller: String?
    /// The customer recognised at 01 (by number) or 02 (by ID number), if any.
    public var customer: CustomerID?
    /// When the call arrived.
    public var arrivedAt: Seconds
    /// Why it went where it went (`InboundCommand.routed`), if it was routed.
    public var reason: RoutingReason?
    /// The agent it was connected to, if any.
    public var agent: AgentID?
    /// When it was connected to `agent`.
    public var connectedAt: Seconds?
    /// When it ended.
    public var endedAt: Seconds
    /// How it ended.
    public var ending: InboundCallEnding
    /// The callback task created for it at 04, if any.
    public var callback: CallbackTaskID?

    /// A record with these fields.
    public init(
        call: CallID, caller: String?, customer: CustomerID?, arrivedAt: Seconds, reason: RoutingReason?,
        agent: AgentID?, connectedAt: Seconds?, endedAt: Seconds, ending: InboundCallEnding,
        callback: CallbackTaskID? = nil
    ) {
        self.call = call
        self.caller = caller
        self.customer = customer
        self.arrivedAt = arrivedAt
        self.reason = reason
        self.agent = agent
        self.connectedAt = connectedAt
        self.endedAt = endedAt
        self.ending = ending
        self.callback = callback
    }
}

/// One record for a `RoutingRecordWriter`.
public enum RoutingRecord: Hashable, Sendable {
    /// A customer created during a run (step 021).
    case customerCreated(CreatedCustomer)
    /// A number bound to a customer (step 02).
    case numberBound(NumberBinding)
    /// A callback task's creation or change (steps 04-06).
    case callback(CallbackEvent)
    /// An inbound call, once it ended.
    case inboundCall(InboundCallRecord)
}
