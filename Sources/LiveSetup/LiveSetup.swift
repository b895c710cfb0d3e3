import CallCenter
import CenterPolicies
import Foundation
import Live
import LiveRunner
import RoutingPolicies
import Scenarios

/// A mistake in `simcc live`'s settings, named by the flag or the file, line and field that set
/// the value.
public struct LiveSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}

/// `simcc live`'s set-up: what its settings name (the campaign file's dialer, the routing
/// study's cascade, the roster), read and checked, and the live configuration they make. A
/// mistake is a `LiveSetupError` naming the flag, or the file, line and field, that set it.
public enum LiveSetup {
    /// The router's roster from --roster (router.roster), if given.
    public static func loadRoster(_ s: LiveSettings) throws -> LiveRoster? {
        guard let roster = s.roster.value else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: roster, encoding: .utf8)
        } catch {
            throw s.roster.problem("\(roster): cannot read the file")
        }
        do {
            return try LiveRoster.parse(csv: text, file: roster)
        } catch {
            throw s.roster.problem("\(error)")
        }
    }

    /// The cascade's knobs and seed of the chosen variant of the routing study, if one is named.
    /// Only the CN107682576B cascade runs live (in production the queue baselines are
    /// mod_callcenter itself).
    public static func loadRouterPolicy(_ s: LiveSettings) throws -> RouterPolicy? {
        guard let policy = s.routerPolicy.value else { return nil }
        let file: ScenarioFile
        do {
            file = try ScenarioFile.load(contentsOf: policy)
        } catch {
            throw s.routerPolicy.problem("\(policy): \(error)")
        }
        guard case .routing(let study) = file else {
            throw s.routerPolicy.problem("\(policy) is not a routing study (it has no router variants)")
        }
        let retry = study.world.callbacks.retry
        var cascades: [(name: String, configuration: CascadeRouter.Configuration, seed: UInt64, rule: Blend.Rule?)] = []
        let studyRule = study.world.outbound?.rule
        for variant in study.variants {
            if case .cascade(let configuration, let seed) = variant.router {
                cascades.append((variant.name, configuration, seed, variant.rule ?? studyRule))
            }
        }
        let names = cascades.map(\.name).joined(separator: ", ")
        if let wanted = s.routerVariant.value {
            guard let chosen = cascades.first(where: { $0.name == wanted }) else {
                let kind = study.variants.first { $0.name == wanted }.map { " is a \($0.kind) baseline, and live routing runs the CN107682576B cascade" } ?? " is not in the file"
                throw s.routerVariant.problem("\(policy): variant '\(wanted)'\(kind); its cascade variants: \(names.isEmpty ? "none" : names)")
            }
            return RouterPolicy(chosen.configuration, chosen.seed, chosen.rule, callbackRetry: retry)
        }
        guard cascades.count == 1, let only = cascades.first else {
            throw s.routerVariant.problem(
                cascades.isEmpty
                    ? "\(policy) has no cascade variant; live routing runs the CN107682576B cascade"
                    : "\(policy) has \(cascades.count) cascade variants; choose one (\(names))")
        }
        return RouterPolicy(only.configuration, only.seed, only.rule, callbackRetry: retry)
    }

    /// What a routing study's cascade variant gives the live runners.
    public struct RouterPolicy: Sendable {
        /// The cascade's knobs.
        public var configuration: CascadeRouter.Configuration
        /// Its seed.
        public var seed: UInt64
        /// The blending rule of a blended study (for the dialer, when it runs too).
        public var blend: BlendRule?
        /// The study's `callbacks.retry`: seconds after a failed callback attempt before the next.
        public var callbackRetry: Double

        public init(
            _ configuration: CascadeRouter.Configuration, _ seed: UInt64, _ rule: BlendRule?, callbackRetry: Double = 600
        ) {
            self.callbackRetry = callbackRetry
            self.configuration = configuration
            self.seed = seed
            blend = rule
        }
    }

    /// The dialer of the chosen variant of the campaign file, and the campaign's `max_hold`.
    public static func loadPolicy(_ s: LiveSettings) throws -> (policy: DialerPolicy, maxHold: Double) {
        guard let policy = s.policy.value else { throw LiveSetupError("--policy is missing") }
        let file: ScenarioFile
        do {
            file = try ScenarioFile.load(contentsOf: policy)
        } catch {
            throw s.policy.problem("\(policy): \(error)")
        }
        guard case .outbound(let scenario) = file else {
            throw s.policy.problem("\(policy) is not an outbound campaign file (it has no dialer variants)")
        }
        let names = scenario.variants.map(\.name)
        if let variant = s.variant.value {
            guard let chosen = scenario.variants.first(where: { $0.name == variant }) else {
                throw s.variant.problem("\(policy) has no variant '\(variant)'; its variants: \(names.joined(separator: ", "))")
            }
            return (chosen.policy, scenario.world.maxHold)
        }
        guard scenario.variants.count == 1, let only = scenario.variants.first else {
            throw s.variant.problem("\(policy) has \(names.count) variants; choose one (\(names.joined(separator: ", ")))")
        }
        return (only.policy, scenario.world.maxHold)
    }

    /// The live configuration from the settings; a value the live configuration refuses is
    /// named by the flag or the file line that set it.
    public static func liveConfiguration(_ s: LiveSettings, roster: LiveRoster? = nil) throws -> LiveConfiguration {
        var live = LiveConfiguration()
        live.transferContext = s.transferContext.value
        if let roster { live.agents = roster.liveAgents }
        live.gateway = s.gateway.value
        live.dialStringTemplate = s.dialString.value
        live.callerIDNumber = s.callerIdNumber.value
        live.originateTimeout = s.originateTimeout.value
        live.maxHoldMessage = s.maxHoldMessage.value
        switch (s.reminderChatFrom.value, s.reminderChatDomain.value) {
        case (let from?, let domain?): live.reminderChat = .init(from: from, domain: domain)
        case (nil, nil): break
        case (nil, _?): throw s.reminderChatFrom.problem("is needed with \(s.name(s.reminderChatDomain))")
        case (_?, nil): throw s.reminderChatDomain.problem("is needed with \(s.name(s.reminderChatFrom))")
        }
        let written = s.answeredDestination.value
        let destination = written.trimmingCharacters(in: .whitespaces)
        if destination.hasPrefix("&") {
            guard destination.hasSuffix(")"), let open = destination.firstIndex(of: "(") else {
                throw s.answeredDestination.problem("\(written): an application is written &name(argument)")
            }
            let name = String(destination[destination.index(after: destination.startIndex)..<open])
            let argument = String(destination[destination.index(after: open)..<destination.index(before: destination.endIndex)])
            live.answeredCallDestination = .application(name, argument: argument)
        } else {
            let words = destination.split(separator: " ").map(String.init)
            guard words.count == 3 else {
                throw s.answeredDestination.problem("\(written): give &name(argument) or EXTEN DIALPLAN CONTEXT")
            }
            live.answeredCallDestination = .dialplan(extension: words[0], dialplan: words[1], context: words[2])
        }
        var names = Set<String>()
        for (index, entry) in s.agents.value.enumerated() {
            guard names.insert(entry.name).inserted else { throw s.agents.problem("\(entry.name) is given twice") }
            live.agents.append(LiveConfiguration.Agent(id: AgentID(index), name: entry.name, exten: entry.exten))
        }
        do {
            try live.validate()
        } catch {
            throw problem(s, field: error.field, error.problem)
        }
        return live
    }

    /// A problem the live configuration found in `field`, named by the setting that gave it.
    public static func problem(_ s: LiveSettings, field: String, _ problem: String) -> LiveSetupError {
        switch field {
        case "gateway": return s.gateway.problem(problem)
        case "dial_string_template": return s.dialString.problem(problem)
        case "caller_id_number": return s.callerIdNumber.problem(problem)
        case "originate_timeout": return s.originateTimeout.problem(problem)
        case "transfer_context": return s.transferContext.problem(problem)
        case "max_hold_message": return s.maxHoldMessage.problem(problem)
        case "reminder_chat.from": return s.reminderChatFrom.problem(problem)
        case "reminder_chat.domain": return s.reminderChatDomain.problem(problem)
        case let f where f.hasPrefix("answered_call_destination"): return s.answeredDestination.problem("\(f) \(problem)")
        case let f where f.hasPrefix("agents"):
            return s.roster.value != nil ? s.roster.problem("\(f) \(problem)") : s.agents.problem("\(f) \(problem)")
        default: return LiveSetupError("\(field): \(problem)")
        }
    }

    /// What the runners take the agents to be at start (`--agents-start-as`).
    public static func agentsAtStart(_ s: LiveSettings) -> LiveAgentsAtStart {
        switch s.agentsStartAs.value {
        case "idle": return .assume(.idle)
        case "paused": return .assume(.paused(since: 0))
        case "logged-out": return .assume(.loggedOut)
        default: return .askCallCenter
        }
    }
}
