import CallCenter
import Foundation
import Live
import LiveSetup
import Scenarios
import Testing

/// `simcc live`'s set-up, called directly (the end-to-end checks through the binary are in
/// CLITests): the configuration file, the settings' precedence and what they name.
@Suite("Live set-up (LiveSetup)")
struct LiveSetupTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    @Test("a file's values, with their origin; a flag overrides the file; relative paths are the file's folder's")
    func precedence() throws {
        var settings = LiveSettings()
        try LiveConfigReader(file: "/etc/simcc/live.yaml").read(
            """
            event_socket: {host: 10.0.0.5, port: 8022}
            dialer:
              batch: b7
              policy: campaign.yaml
              originate_timeout: 45
            """, into: &settings)
        #expect(settings.eslHost.value == "10.0.0.5" && settings.eslPort.value == 8022)
        #expect(settings.policy.value == "/etc/simcc/campaign.yaml")
        #expect(settings.originateTimeout.value == 45)
        settings.originateTimeout.override(20)
        #expect(settings.originateTimeout.value == 20)
        settings.batch.override(nil)
        #expect(settings.batch.value == "b7", "a flag not given leaves the file's value")
        #expect(settings.httpPort.value == 8089, "the default")
        #expect(settings.wrapUp.value == 0)
        settings.agents.override([LiveAgentEntry("1000")!])
        #expect(settings.problem() == nil)
        settings.wrapUp.override(4000)
        #expect(settings.problem().map { $0.contains("--wrap-up") && $0.contains("between 0 and 3600") } == true)
    }

    @Test("a secret in the file, an unknown key and a bad port are refused with the file, line and field")
    func mistakes() {
        func failure(_ yaml: String) -> ScenarioError? {
            var settings = LiveSettings()
            do {
                try LiveConfigReader(file: "live.yaml").read(yaml, into: &settings)
                return nil
            } catch {
                return error
            }
        }
        let secret = failure("event_socket:\n  host: 127.0.0.1\n  password: ClueCon\n")
        #expect(secret?.line == 3 && secret?.field == "event_socket.password")
        #expect(secret.map { !$0.description.contains("ClueCon") } == true, "the secret is never shown")
        let unknown = failure("dialer:\n  batchh: b1\n")
        #expect(unknown?.line == 2 && unknown?.field == "dialer.batchh")
        let port = failure("event_socket: {port: 70000}\n")
        #expect(port?.field == "event_socket.port")
        let wrap = failure("dialer:\n  wrap_up: 90s\n")
        #expect(wrap?.line == 2 && wrap?.field == "dialer.wrap_up")
        let backoff = failure("event_socket:\n  reconnect_max: 5000\n")
        #expect(backoff?.line == 2 && backoff?.field == "event_socket.reconnect_max")
        var settings = LiveSettings()
        #expect(settings.eslReconnectMax.value == 30)
        try? LiveConfigReader(file: "live.yaml").read("event_socket: {reconnect_max: 120}\n", into: &settings)
        #expect(settings.eslReconnectMax.value == 120)
    }

    @Test("the campaign file's variant: its dialer and max_hold; a missing variant names the ones there are")
    func policy() throws {
        var settings = LiveSettings()
        settings.policy.override(Self.root + "/scenarios/survey-campaign.yaml")
        settings.variant.override("progressive")
        let loaded = try LiveSetup.loadPolicy(settings)
        #expect(loaded.policy.kind == "progressive")
        settings.variant.override("nope")
        #expect {
            try LiveSetup.loadPolicy(settings)
        } throws: { error in
            let text = "\(error)"
            return text.contains("has no variant 'nope'") && text.contains("progressive") && text.contains("--variant")
        }
    }

    @Test("the live configuration: agents, the answered destination, a bad dial string named by its flag")
    func liveConfiguration() throws {
        var settings = LiveSettings()
        settings.agents.override([LiveAgentEntry("1000:2000")!, LiveAgentEntry("1001")!])
        let live = try LiveSetup.liveConfiguration(settings)
        #expect(live.agents.map(\.exten) == ["2000", "1001"])
        #expect(live.answeredCallDestination == .park)
        settings.dialString.override("sofia/gateway/carrier")
        #expect {
            try LiveSetup.liveConfiguration(settings)
        } throws: { error in
            "\(error)".contains("--dial-string")
        }
    }
}
