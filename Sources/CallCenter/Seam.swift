// MARK: - The inbound policy seam

/// Seconds on the driver's clock: simulated seconds since the start of a run, or, in
/// production, seconds since the epoch the live adapter chose. Policies read time only from
/// the events handed to them.
public typealias Seconds = Double

/// What a softswitch tells an inbound router. Each event comes with its time.
public enum InboundEvent: Hashable, Sendable {
    /// An agent logged in and is ready for calls.
    case agentLoggedIn(AgentID)
    /// An agent logged out (or went on a break); it takes no more calls until it logs in.
    case agentLoggedOut(AgentID)
    /// An agent finished a call and its wrap-up and is ready again.
    case agentAvailable(AgentID)
    /// A caller arrived and waits to be routed.
    case callArrived(CallID)
    /// A caller hung up before being connected to an agent (in the queue or in the IVR).
    case callAbandoned(CallID)
    /// A caller arrived from number `caller` (the calling party number) and waits to be routed:
    /// what step 01 of CN107682576B recognises.
    case callerArrived(CallID, caller: PhoneNumber)
    /// The digits the caller keyed for the last `InboundCommand.collectDigits` of this call, or
    /// nil when the prompt timed out with nothing keyed.
    case digitsCollected(CallID, KeyedDigits?)
    /// The timer the router asked for (`InboundCommand.wakeUp`) fired: the callback monitor.
    case wakeUp
    /// An agent finished this callback task (the agent desktop's "done").
    case callbackDone(CallbackTaskID)
}

/// What an inbound router asks the softswitch to do.
public enum InboundCommand: Hashable, Sendable {
    /// Bridge the call to the agent. The router considers the agent busy from now on.
    case connect(CallID, to: AgentID)
    /// Refuse the call: there is no place for it (the caller hears busy and is lost).
    case reject(CallID)
    /// Play `prompt` to the caller and collect up to `maxDigits` keys, waiting at most `timeout`
    /// seconds (ESL: `play_and_get_digits`); answered by `InboundEvent.digitsCollected`.
    case collectDigits(CallID, prompt: IVRPrompt, maxDigits: Int, timeout: Seconds)
    /// End the call (ESL: `uuid_kill`); step 04 of CN107682576B.
    case hangUp(CallID)
    /// Why the call went where it went: logged once per call, for the planner's metrics.
    case routed(CallID, RoutingReason)
    /// Bind the caller number to this customer (step 02, claim 2): persist the binding.
    case bindNumber(PhoneNumber, to: CustomerID)
    /// A new customer was created and bound to the agent serving them (step 021): persist it
    /// (the router's directory holds it).
    case createCustomer(CustomerID)
    /// Create this callback task, already assigned (steps 04 and 05): persist it, show it to its owner.
    case createCallback(CallbackTaskID)
    /// Remind the agent of an overdue callback task, now at `priority` (step 06, known customer).
    case remindAgent(AgentID, about: CallbackTaskID, priority: Int)
    /// Give the overdue callback task to `to` (nil: no agent online), now at `priority` (step 06,
    /// unknown customer).
    case reassignCallback(CallbackTaskID, to: AgentID?, priority: Int)
    /// The callback task ran out of reminders or reassignments: it is no longer monitored.
    case expireCallback(CallbackTaskID)
    /// Wake the router at this time with `InboundEvent.wakeUp`.
    case wakeUp(at: Seconds)
}

/// What the IVR plays before collecting digits; production maps each to a sound file.
public enum IVRPrompt: Hashable, Sendable, Codable {
    /// Step 02: "please key your ID-card number"; `attempt` counts from 1.
    case idNumber(attempt: Int)
    /// Step 03: "we will call you back as soon as possible", then the business-type menu
    /// (key 1 for the first business type of the directory, 2 for the second, ...).
    case callbackMenu
    /// Step 03 without the menu: the announcement alone (`maxDigits` is 0).
    case callbackAnnouncement
}

/// The step of CN107682576B that placed a call (011, 012, 013, 014, 021, 03).
public enum RoutingStep: UInt8, Hashable, Sendable, Codable {
    /// 011: the customer's bound first agent.
    case firstAgent
    /// 012: the first agent's backup.
    case backup
    /// 013: another agent of the first agent's team.
    case team
    /// 014: the first agent's team leader.
    case leader
    /// 021: an unknown caller, to an idle agent chosen at random.
    case random
    /// 03: nobody suitable was idle; the caller will be called back.
    case callback
}

/// Why a call went where it went: the step, and whether the customer was recognised by their ID
/// number at 02 first. A plain value, so that seam commands carry no references.
public struct RoutingReason: Hashable, Sendable, Codable {
    /// The step that placed the call.
    public var step: RoutingStep
    /// Whether step 02 recognised the customer by their ID number (and bound the number) first.
    public var afterIDMatch: Bool

    /// A reason.
    public init(step: RoutingStep, afterIDMatch: Bool = false) {
        self.step = step
        self.afterIDMatch = afterIDMatch
    }

    /// 011. - 012. - 013. - 014. - 021. - 03., reached from the caller's number.
    public static let firstAgent = RoutingReason(step: .firstAgent)
    public static let backup = RoutingReason(step: .backup)
    public static let team = RoutingReason(step: .team)
    public static let leader = RoutingReason(step: .leader)
    public static let random = RoutingReason(step: .random)
    public static let callback = RoutingReason(step: .callback)

    /// Step 02 matched the ID number, then `then` placed the call.
    public static func idMatched(then: RoutingReason) -> RoutingReason {
        RoutingReason(step: then.step, afterIDMatch: true)
    }
}

/// An inbound router: a deterministic state machine from events to commands.
///
/// A router does no I/O, reads no clock (time arrives with each event) and draws randomness
/// only from what it is given. Given the same events it returns the same commands. Commands are
/// appended to a buffer the caller owns and clears, so handling an event allocates nothing.
public protocol InboundRouter: Policy where Event == InboundEvent, Command == InboundCommand {
    /// Handles `event`, which happened at `time`, appending the resulting commands to `commands`.
    mutating func handle(_ event: InboundEvent, at time: Seconds, into commands: inout [InboundCommand])
}

// MARK: - Reading what a router created

/// How a driver (and `CenterPolicy`) reads a callback task or a customer a router created
/// (`createCallback` and `createCustomer` name only their ids). Routers that create neither
/// answer nil.
public protocol CallbackTaskLookup {
    /// The task with this id, if the router holds one.
    func callbackTask(_ id: CallbackTaskID) -> CallbackTask?
    /// The customer with this id, if the router holds one.
    func customer(_ id: CustomerID) -> Customer?
}
