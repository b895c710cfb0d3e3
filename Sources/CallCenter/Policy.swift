// MARK: - The one shape of every decision

/// A policy: a deterministic state machine from events to commands, the seam between every
/// decision simcc makes and the softswitch that carries it out (the simulated one or FreeSWITCH).
///
/// A policy does no I/O, reads no clock (time arrives with each event) and draws randomness only
/// from a generator it was given. Given the same events at the same times it appends the same
/// commands, byte for byte. Commands go to a buffer the driver owns and clears, so handling an
/// event need allocate nothing. `Dialer` (outbound) and `InboundRouter` refine it. What sits
/// between them is `CenterPolicy` (module `CenterPolicies`): the blending rule, callback working,
/// the agent book and what happens to answered outbound customers, driven alike by the
/// simulator and by `simcc live`.
public protocol Policy {
    /// What the softswitch tells the policy.
    associatedtype Event
    /// What the policy asks the softswitch to do.
    associatedtype Command

    /// Handles `event`, which happened at `time`, appending the resulting commands to `commands`.
    mutating func handle(_ event: Event, at time: Seconds, into commands: inout [Command])
}
