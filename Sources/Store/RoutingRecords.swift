import CallCenter

// MARK: - Where stored records came from (the records themselves are CallCenter's `RoutingRecord`)

/// Where a stored customer, or a stored number binding, came from.
public enum RecordSource: String, Hashable, Sendable, Codable, CaseIterable {
    /// A customer table imported with `RoutingStore.importCustomers`.
    case imported = "import"
    /// A run: a customer created at step 021, a number bound at step 02.
    case run
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
