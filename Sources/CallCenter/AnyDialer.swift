// MARK: - A dialer chosen at run time

/// Any dialer, behind one concrete type: for a driver that picks the dialer from a file at run
/// time and composes it into a generic policy (`CenterPolicy<Router, AnyDialer>`).
public struct AnyDialer: Dialer {
    /// The dialer.
    public private(set) var base: any Dialer

    /// `base`, boxed.
    public init(_ base: any Dialer) { self.base = base }

    public var name: String { base.name }

    public mutating func start(
        task: OutboundTask, agents: [AgentState], at time: Seconds, into commands: inout [DialerCommand]
    ) throws(TaskValidationError) {
        try base.start(task: task, agents: agents, at: time, into: &commands)
    }

    public mutating func handle(_ event: DialerEvent, at time: Seconds, into commands: inout [DialerCommand]) {
        base.handle(event, at: time, into: &commands)
    }

    public func snapshot(at time: Seconds) -> TaskSnapshot { base.snapshot(at: time) }
    public var closedContracts: Int { base.closedContracts }
    public func contract(_ id: ContractID) -> Contract? { base.contract(id) }
}
