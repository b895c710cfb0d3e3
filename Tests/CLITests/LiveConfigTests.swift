import Foundation
import Testing

/// `simcc live --config FILE --check`: the live configuration file, read and checked without
/// connecting to anything.
@Suite("simcc live --config, end to end")
struct LiveConfigTests {
    /// A fresh folder holding `live.yaml` with `text`, a copy of the survey campaign
    /// (`campaign.yaml`, its contacts named absolutely) and the shipped roster (`roster.csv`).
    static func folder(_ name: String, _ text: String) throws -> (folder: String, config: String) {
        let dir = temporaryFolder("liveconfig-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let campaign = try String(contentsOfFile: packageRoot + "/scenarios/survey-campaign.yaml", encoding: .utf8)
            .replacingOccurrences(of: "contacts: contacts/", with: "contacts: \(packageRoot)/scenarios/contacts/")
        try campaign.write(toFile: dir + "/campaign.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: packageRoot + "/scenarios/live/roster.csv", toPath: dir + "/roster.csv")
        try text.write(toFile: dir + "/live.yaml", atomically: true, encoding: .utf8)
        return (dir, dir + "/live.yaml")
    }

    /// A small valid configuration: the dialer with two agents, no router.
    static let dialer = """
        event_socket:
          host: 10.0.0.5
          port: 8021
        http:
          enabled: true
          port: 8089
        dialer:
          batch: b1
          policy: campaign.yaml
          variant: progressive
          originate_timeout: 30
          agents:
            - {name: "1000", exten: "2000"}
            - "1001"
        """

    @Test("the shipped example parses and checks; its effective configuration is itself a valid file")
    func example() throws {
        let example = packageRoot + "/scenarios/live/live.example.yaml"
        let r = try simcc(["live", "--config", example, "--check"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("# ok: dialer: batch b1, variant progressive (progressive), 4 agents; router: 4 agents"), "\(r.out)")
        #expect(r.out.contains("policy: \"\(packageRoot)/scenarios/survey-campaign.yaml\"  # \(example):"), "\(r.out)")
        #expect(r.out.contains("roster: \"\(packageRoot)/scenarios/live/roster.csv\""), "\(r.out)")
        #expect(r.out.contains("caller_id_number: \"0215550100\""), "\(r.out)")
        #expect(!r.out.contains("password:") && !r.out.contains("token:"))
        let dir = temporaryFolder("liveconfig-effective")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try r.out.write(toFile: dir + "/effective.yaml", atomically: true, encoding: .utf8)
        let again = try simcc(["live", "--config", dir + "/effective.yaml", "--check"])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("# ok: dialer: batch b1, variant progressive (progressive), 4 agents; router: 4 agents"))
    }

    @Test("flags given override the file; the rest keeps the file's values; --agent replaces the file's agents")
    func flagsOverride() throws {
        let (dir, config) = try Self.folder("override", Self.dialer)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = try simcc(["live", "--config", config, "--check"])
        #expect(plain.status == 0, "\(plain.err)")
        #expect(plain.out.contains("port: 8021  # \(config):3"), "\(plain.out)")
        #expect(plain.out.contains("originate_timeout: 30  # \(config):11"), "\(plain.out)")
        #expect(plain.out.contains("- {name: \"1000\", exten: \"2000\"}"), "\(plain.out)")
        #expect(plain.out.contains("gateway: \"carrier\"  # default"), "\(plain.out)")
        let r = try simcc([
            "live", "--config", config, "--check", "--esl-port", "9000", "--originate-timeout", "45", "--no-http",
            "--agent", "7:70", "--variant", "power-2",
        ])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("port: 9000  # --esl-port"), "\(r.out)")
        #expect(r.out.contains("originate_timeout: 45  # --originate-timeout"), "\(r.out)")
        #expect(r.out.contains("enabled: false  # --no-http"), "\(r.out)")
        #expect(r.out.contains("variant: \"power-2\"  # --variant"), "\(r.out)")
        #expect(r.out.contains("host: \"10.0.0.5\"  # \(config):2"), "the file's other values stay: \(r.out)")
        #expect(r.out.contains("- {name: \"7\", exten: \"70\"}") && !r.out.contains("\"1000\""), "\(r.out)")
        #expect(r.out.contains("(power), 1 agents"), "\(r.out)")
    }

    @Test(
        "each mistake names the file, the line and the field, before anything connects",
        arguments: [
            // Unknown key, with the field's path.
            ("dialer:\n  batch: b1\n  polcy: campaign.yaml\n", ":3:3: dialer.polcy: unknown field 'polcy'"),
            // Wrong type.
            (
                "dialer:\n  batch: b1\n  policy: campaign.yaml\n  agents: [\"1\"]\n  originate_timeout: abc\n",
                ":5:22: dialer.originate_timeout: expected a whole number of seconds (at least 1), got 'abc'"
            ),
            ("event_socket: [1, 2]\n", ":1:15: event_socket: expected a mapping"),
            // Bad values.
            ("event_socket:\n  port: 70000\n", ":2:9: event_socket.port: expected a whole number from 1 to 65535, got '70000'"),
            ("agents_start_as: asleep\n", ":1:18: agents_start_as: expected callcenter, idle, paused or logged-out, got 'asleep'"),
            ("http:\n  enabled: maybe\n", ":2:12: http.enabled: expected true or false, got 'maybe'"),
            (
                "dialer:\n  batch: b1\n  policy: campaign.yaml\n  agents: [\"1\", \"1\"]\n",
                ":4:17: dialer.agents[1]: the agent 1 is given twice"
            ),
            // Values only the loaders and the live configuration refuse: named at their key.
            (
                "dialer:\n  batch: b1\n  policy: nowhere.yaml\n  agents: [\"1\"]\n",
                ":3:3: dialer.policy: "
            ),
            (
                "dialer:\n  batch: b1\n  policy: campaign.yaml\n  variant: nope\n  agents: [\"1\"]\n",
                ":4:3: dialer.variant: "
            ),
            (
                "dialer:\n  batch: b1\n  policy: campaign.yaml\n  variant: progressive\n  gateway: a b\n  agents: [\"1\"]\n",
                ":5:3: dialer.gateway: "
            ),
            // The flags' checks on the merged settings name the file and the keys.
            ("dialer:\n  batch: b1\n", "live.yaml: the dialer needs both --batch (dialer.batch) and --policy (dialer.policy)"),
            ("router:\n  roster: roster.csv\n", "live.yaml: the inbound router needs both --inbound-db (router.db) and --roster (router.roster)"),
            // The reminders' chat needs both keys, and values that fit the chat command.
            (
                "router:\n  db: r.sqlite\n  roster: roster.csv\n  reminder_chat_from: simcc@pbx\n",
                "--reminder-chat-domain: is needed with --reminder-chat-from (router.reminder_chat_from)"
            ),
            (
                "router:\n  db: r.sqlite\n  roster: roster.csv\n  reminder_chat_from: simcc@pbx\n  reminder_chat_domain: pbx|x\n",
                ":5:3: router.reminder_chat_domain: "
            ),
            // The day's start: a time of day.
            (
                "dialer:\n  batch: b1\n  policy: campaign.yaml\n  agents: [\"1\"]\n  day_start: \"24:00\"\n",
                ":5:14: dialer.day_start: expected a time of day HH:MM (00:00 to 23:59), got '24:00'"
            ),
            // Not YAML.
            ("dialer:\n  batch: [b1\n", "live.yaml:3:1: invalid YAML"),
        ])
    func mistakes(text: String, expected: String) throws {
        let (dir, config) = try Self.folder("mistake", text)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try simcc(["live", "--config", config, "--check"])
        #expect(r.status != 0)
        #expect(r.err.contains(expected), "\(r.err)")
        #expect(r.out.isEmpty, "\(r.out)")
    }

    @Test("--check warns of a missing HTTP token with the router alone too (the interface serves its routes)")
    func routerNeedsToken() throws {
        guard ProcessInfo.processInfo.environment["SIMCC_HTTP_TOKEN"] == nil else { return }
        let (dir, config) = try Self.folder("router-token", "router:\n  db: r.sqlite\n  roster: roster.csv\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try simcc(["live", "--config", config, "--check"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("warning: no --http-token-file (http.token_file) and $SIMCC_HTTP_TOKEN is not set"), "\(r.err)")
        let off = try simcc(["live", "--config", config, "--check", "--no-http"])
        #expect(!off.err.contains("SIMCC_HTTP_TOKEN"), "\(off.err)")
        #expect(!r.err.contains("not loopback"), "\(r.err)")
        let open = try simcc(["live", "--config", config, "--check", "--http-host", "0.0.0.0"])
        #expect(open.status == 0, "\(open.err)")
        #expect(open.err.contains("warning: --http-host (http.host) 0.0.0.0 is not loopback"), "\(open.err)")
    }

    @Test("a secret in the file is refused, pointing at password_file / token_file, and never echoed")
    func secretsRefused() throws {
        for (text, key, advice) in [
            ("event_socket:\n  host: h\n  password: ClueCon-s3cret\n", ":3:3: event_socket.password:", "event_socket.password_file"),
            ("http:\n  token: ClueCon-s3cret\n", ":2:3: http.token:", "http.token_file"),
            ("esl_password: ClueCon-s3cret\n", ":1:1: esl_password:", "event_socket.password_file"),
        ] {
            let (dir, config) = try Self.folder("secret", text)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try simcc(["live", "--config", config, "--check"])
            #expect(r.status != 0)
            #expect(r.err.contains(config + key), "\(r.err)")
            #expect(r.err.contains("secrets never go in the configuration file") && r.err.contains(advice), "\(r.err)")
            #expect(!(r.out + r.err).contains("ClueCon-s3cret"))
        }
    }

    @Test("relative paths in the file are taken from the file's folder, flags' from the working directory")
    func relativePaths() throws {
        let text = Self.dialer.replacingOccurrences(of: "event_socket:\n  host: 10.0.0.5\n  port: 8021\n", with: "")
            + "\nevent_socket:\n  password_file: secrets/esl-password\nrouter:\n  db: routing.sqlite\n  roster: roster.csv\n"
        let (dir, _) = try Self.folder("relative", text.replacingOccurrences(of: "  agents:\n    - {name: \"1000\", exten: \"2000\"}\n    - \"1001\"", with: ""))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/secrets", withIntermediateDirectories: true)
        try "ClueCon-s3cret\n".write(toFile: dir + "/secrets/esl-password", atomically: true, encoding: .utf8)
        // Run from the folder's parent, naming the file relatively: the paths still resolve.
        let parent = URL(fileURLWithPath: dir).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: dir).lastPathComponent
        let r = try simcc(["live", "--config", name + "/live.yaml", "--check"], in: parent)
        #expect(r.status == 0, "\(r.err)")
        let real = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        for path in ["campaign.yaml", "roster.csv", "routing.sqlite", "secrets/esl-password"] {
            #expect(r.out.contains("\"\(dir)/\(path)\"") || r.out.contains("\"\(real)/\(path)\""), "\(path): \(r.out)")
        }
        #expect(!r.err.contains("--esl-password-file"), "the password file is readable: \(r.err)")
        #expect(!(r.out + r.err).contains("ClueCon-s3cret"))
        // The same name given as a flag is relative to the working directory, where it is not.
        let flag = try simcc(["live", "--config", name + "/live.yaml", "--check", "--roster", "roster.csv"], in: parent)
        #expect(flag.status != 0)
        #expect(flag.err.contains("--roster: roster.csv: cannot read the file"), "\(flag.err)")
    }
}

@Suite("simcc live --router-policy")
struct LiveRouterPolicyTests {
    @Test("a routing study's cascade variant gives the router's knobs; a baseline variant and a campaign file are refused")
    func routerPolicy() throws {
        let study = packageRoot + "/scenarios/routing-bank.yaml"
        let (dir, config) = try LiveConfigTests.folder("routerpolicy", """
            router:
              db: routing.sqlite
              roster: roster.csv
              policy: \(study)
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ok = try simcc(["live", "--config", config, "--check"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("policy: \"\(study)\""), "\(ok.out)")
        let named = try simcc(["live", "--config", config, "--router-variant", "cascade", "--check"])
        #expect(named.status == 0, "\(named.err)")
        let baseline = try simcc(["live", "--config", config, "--router-variant", "queue-longest-idle", "--check"])
        #expect(baseline.status != 0)
        #expect(baseline.err.contains("--router-variant: \(study): variant 'queue-longest-idle' is a queue baseline"), "\(baseline.err)")
        #expect(baseline.err.contains("its cascade variants: cascade"), "\(baseline.err)")
        let campaign = try simcc(["live", "--config", config, "--router-policy", dir + "/campaign.yaml", "--check"])
        #expect(campaign.status != 0)
        #expect(campaign.err.contains("is not a routing study"), "\(campaign.err)")
    }
}

@Suite("simcc live: a blended study's rule")
struct LiveBlendConfigTests {
    @Test("the dialer beside the router takes the blending rule of the chosen variant of a blended study")
    func blendFromStudy() throws {
        let study = packageRoot + "/scenarios/bank-blended.yaml"
        let (dir, config) = try LiveConfigTests.folder("blend", """
            dialer:
              batch: b1
              policy: campaign.yaml
              variant: progressive
            router:
              db: routing.sqlite
              roster: roster.csv
              policy: \(study)
              variant: reserve-8
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try simcc(["live", "--config", config, "--check"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("blend: 8 idle agent(s) kept for inbound"), "\(r.out)")
        let other = try simcc(["live", "--config", config, "--router-variant", "reserve-12", "--check"])
        #expect(other.out.contains("blend: 12 idle agent(s) kept for inbound"), "\(other.out)")
    }
}
