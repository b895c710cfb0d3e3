import CallCenter

// MARK: - What a routing run hands the store (plain values: no GRDB needed to make them)

/// Where a stored customer, or a stored number binding, came from.
public enum RecordSource: String, Hashable, Sendable, Codable, CaseIterable {
    /// A customer table imported with `RoutingStore.importCustomers`.
    case imported = "import"
    /// A run: a customer created at step 021, a number bound at step 02.
    case run
}

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

// MARK: - What the store gives back

/// A customer as stored: the router's view and where it came from.
public struct StoredCustomer: Hashable, Sendable {
    /// The customer (id, numbers in binding order, ID number, first agent).
    public var customer: Customer
    /// Its key in the customer table it was imported from; nil for one created in a run.
    public var label: String?
    /// Whether it was imported or created in a run.
    public var source: RecordSource
    /// When a run created it, on the driver's clock; nil for an imported one.
    public var createdAt: Seconds?

    /// A stored customer with these fields.
    public init(customer: Customer, label: String?, source: RecordSource, createdAt: Seconds?) {
        self.customer = customer
        self.label = label
        self.source = source
        self.createdAt = createdAt
    }
}

/// A callback task as stored: the task as it stands now, and when it was done.
public struct StoredCallbackTask: Hashable, Sendable {
    /// The task, its state, owner, priority and counts as of its last event.
    public var task: CallbackTask
    /// When it was done, if it was.
    public var doneAt: Seconds?

    /// A stored task with these fields.
    public init(task: CallbackTask, doneAt: Seconds?) {
        self.task = task
        self.doneAt = doneAt
    }
}

/// One line of a callback task's history.
public struct CallbackHistoryEntry: Hashable, Sendable {
    /// What happened.
    public enum Event: String, Hashable, Sendable, Codable, CaseIterable {
        /// 04: the task was created.
        case created
        /// 05: it was given to its first owner.
        case assigned
        /// 06: its owner was reminded.
        case reminded
        /// 06: it was given to another agent (or to none).
        case reassigned
        /// The customer was called back.
        case done
        /// It is no longer monitored.
        case expired
    }

    /// The task.
    public var task: CallbackTaskID
    /// When, on the driver's clock.
    public var at: Seconds
    /// What happened.
    public var event: Event
    /// The owner after the event (for `done`, the agent who did it); nil for `created`.
    public var agent: AgentID?
    /// The task's priority after the event.
    public var priority: Int

    /// An entry with these fields.
    public init(task: CallbackTaskID, at: Seconds, event: Event, agent: AgentID?, priority: Int) {
        self.task = task
        self.at = at
        self.event = event
        self.agent = agent
        self.priority = priority
    }
}

// MARK: - Step names

extension RoutingStep {
    /// The step's name in the store (`inbound_calls.step`): first-agent, backup, team, leader,
    /// random, callback.
    public var storeName: String {
        switch self {
        case .firstAgent: "first-agent"
        case .backup: "backup"
        case .team: "team"
        case .leader: "leader"
        case .random: "random"
        case .callback: "callback"
        }
    }

    /// The step named `storeName` in the store, or nil for another name.
    public init?(storeName: String) {
        switch storeName {
        case "first-agent": self = .firstAgent
        case "backup": self = .backup
        case "team": self = .team
        case "leader": self = .leader
        case "random": self = .random
        case "callback": self = .callback
        default: return nil
        }
    }
}
