import CallCenter
import RoutingPolicies
import Store

// MARK: - The routing store's writer, as the live center's decorator of the router

/// What the live router's decisions leave in the routing store: one record per inbound call once
/// it ended, and the bookkeeping (numbers bound at step 02, customers created at 021, callback
/// tasks and their history at 05-06). It watches the router's commands go by (`note`) and the
/// calls' arrivals and ends; it decides nothing. Records go to a `RoutingRecordWriter` (never
/// waiting for the disk).
struct RoutingLedger {
    /// Where an inbound call stands, for its record.
    private struct Call {
        var uuid: String
        var caller: String?
        var customer: CustomerID?
        var arrivedAt: Seconds
        var reason: RoutingReason?
        var agent: AgentID?
        var connectedAt: Seconds?
        var inIVR = false
        var rejected = false
        var hungUp = false
        var callback: CallbackTaskID?
    }

    let writer: RoutingRecordWriter
    private var calls: [CallID: Call] = [:]
    private var byUUID: [String: CallID] = [:]
    /// Inbound calls whose records were handed to the writer.
    private(set) var callsRecorded = 0
    /// Transfers (`uuid_transfer`) sent.
    var transfers = 0

    init(writer: RoutingRecordWriter) { self.writer = writer }

    /// Inbound calls followed now (parked, in the IVR, or transferred and not yet hung up).
    var callsInFlight: Int { calls.count }

    /// The channels of the calls followed now, in order.
    var channels: [String] { byUUID.keys.sorted() }

    /// Whether `agent` is on an inbound call followed now.
    func isOnCall(_ agent: AgentID) -> Bool { calls.values.contains { $0.agent == agent } }

    /// Call `call` arrived on channel `uuid` from `caller` (`customer`, when the directory knows
    /// the number).
    mutating func arrived(_ call: CallID, uuid: String, caller: String?, customer: CustomerID?, at time: Seconds) {
        byUUID[uuid] = call
        calls[call] = Call(uuid: uuid, caller: caller, customer: customer, arrivedAt: time)
    }

    /// The caller of `call` keyed digits.
    mutating func digitsCollected(_ call: CallID) { calls[call]?.inIVR = false }

    /// Keeps what the record of the call needs and writes the bookkeeping down; `current` is the
    /// call whose event the router is handling; `router` the router after the command.
    mutating func note(_ command: InboundCommand, at time: Seconds, current: CallID?, router: CascadeRouter) {
        switch command {
        case .connect(let call, let agent):
            guard calls[call] != nil else { break }
            calls[call]?.agent = agent
            calls[call]?.connectedAt = time
        case .reject(let call):
            calls[call]?.rejected = true
        case .collectDigits(let call, _, _, _):
            calls[call]?.inIVR = true
        case .hangUp(let call):
            calls[call]?.hungUp = true
        case .routed(let call, let reason):
            calls[call]?.reason = reason
        case .bindNumber(let number, let customer):
            writer.append(.numberBound(NumberBinding(number, customer: customer, at: time)))
            if let call = current { calls[call]?.customer = customer }
        case .createCustomer(let id):
            if let customer = router.directory.customer(id) {
                writer.append(.customerCreated(CreatedCustomer(customer, at: time)))
            }
        case .createCallback(let id):
            if id.index < router.tasks.count { writer.append(.callback(.created(router.tasks[id.index]))) }
            if let call = current { calls[call]?.callback = id }
        case .remindAgent(let agent, let id, let priority):
            writer.append(.callback(.reminded(id, agent: agent, priority: priority, deadline: deadline(of: id, router), at: time)))
        case .reassignCallback(let id, let to, let priority):
            writer.append(.callback(.reassigned(id, to: to, priority: priority, deadline: deadline(of: id, router), at: time)))
        case .expireCallback(let id):
            writer.append(.callback(.expired(id, at: time)))
        case .wakeUp:
            break
        }
    }

    /// An agent desk's "done" on callback task `id`.
    func callbackDone(_ id: CallbackTaskID, by agent: AgentID?, at time: Seconds) {
        writer.append(.callback(.done(id, by: agent, at: time)))
    }

    private func deadline(of id: CallbackTaskID, _ router: CascadeRouter) -> Seconds? {
        id.index < router.tasks.count ? router.tasks[id.index].deadline : nil
    }

    /// The call on channel `uuid` ended at `time`: its record goes to the writer. Returns whether
    /// it was one of the calls followed.
    @discardableResult
    mutating func ended(uuid: String, at time: Seconds) -> Bool {
        guard let id = byUUID.removeValue(forKey: uuid), let call = calls.removeValue(forKey: id) else { return false }
        let ending: InboundCallEnding
        if call.agent != nil {
            ending = .served
        } else if call.callback != nil {
            ending = .callback
        } else if call.rejected {
            ending = .blocked
        } else if call.hungUp {
            ending = .hungUp
        } else if call.inIVR {
            ending = .abandonedInIVR
        } else {
            ending = .abandonedInQueue
        }
        writer.append(
            .inboundCall(
                InboundCallRecord(
                    call: id, caller: call.caller, customer: call.customer, arrivedAt: call.arrivedAt,
                    reason: call.reason, agent: call.agent, connectedAt: call.connectedAt, endedAt: time,
                    ending: ending, callback: call.callback)))
        callsRecorded += 1
        return true
    }
}
