//! "Always allow" suggestions: the rule covers the request it was made for
//! (or the report says what still decides), and nothing a different
//! command, file or URL would need.

use bosun_policy::suggest::{SuggestError, Suggestion, suggest};
use bosun_policy::{
    Action, ArgKind, Catalog, CompiledPolicy, ExecutionMode, Layer, Layers, Reason, RiskLevel,
    Rule, Tool, ToolCategory,
};
use proptest::prelude::*;

use super::rule;

const REPO: &str = "/repo";

fn request(tool: &str, input: &str) -> bosun_policy::Request<'static> {
    // Leaked: the strings live for the test process, which keeps the
    // property tests free of lifetime plumbing.
    let tool: &'static str = Box::leak(tool.to_owned().into_boxed_str());
    let input: &'static str = Box::leak(input.to_owned().into_boxed_str());
    bosun_policy::Request::new(tool, input).with_working_dir(REPO)
}

/// The built-in tools plus a read-only command tool (`git_read`).
fn catalog() -> Catalog {
    let mut catalog = Catalog::builtin();
    catalog.insert(Tool::new(
        "git_read",
        ArgKind::Command,
        RiskLevel::Safe,
        ToolCategory::Read,
    ));
    catalog
}

fn suggest_for(layers: &Layers, mode: ExecutionMode, tool: &str, input: &str) -> Suggestion {
    suggest(
        layers,
        mode,
        &catalog(),
        &request(tool, input),
        Layer::Agent,
    )
    .unwrap_or_else(|e| panic!("{tool} {input:?}: {e}"))
}

fn pattern_of(s: &Suggestion) -> &str {
    s.rule.pattern.as_ref().map_or("", |p| p.as_str())
}

/// Whether `rule` alone (in the `locked` mode, which denies everything
/// else) allows the request.
fn alone_allows(rule: &Rule, tool: &str, input: &str) -> bool {
    let layers = Layers {
        agent: vec![rule.clone()],
        ..Layers::default()
    };
    CompiledPolicy::compile(&layers, ExecutionMode::Locked, &catalog())
        .decide(&request(tool, input))
        .action
        == Action::Allow
}

fn with_rule(layers: &Layers, rule: &Rule) -> Layers {
    let mut layers = layers.clone();
    layers.agent.push(rule.clone());
    layers
}

#[test]
fn git_push_becomes_its_own_words_and_names_the_admin_rule_it_overrides() {
    let layers = Layers {
        workspace: vec![rule(
            "w-push",
            "system_shell",
            Action::Ask,
            Some("git push *"),
        )],
        ..Layers::default()
    };
    let s = suggest_for(
        &layers,
        ExecutionMode::Restricted,
        "system_shell",
        "git push origin main",
    );
    assert_eq!(pattern_of(&s), "git push origin main");
    assert_eq!(s.rule.action, Action::Allow);
    let overridden: Vec<_> = s
        .impact
        .overrides
        .iter()
        .map(|r| (r.layer, r.position, r.rule_id.as_str()))
        .collect();
    assert_eq!(overridden, [(Layer::Workspace, 1, "w-push")]);
    assert_eq!(s.impact.still_decided, None);
    // It opens nothing else: every other push still asks.
    let policy = CompiledPolicy::compile(
        &with_rule(&layers, &s.rule),
        ExecutionMode::Restricted,
        &catalog(),
    );
    for other in [
        "git push origin main --force",
        "git push origin other",
        "git push",
        "git pull origin main",
    ] {
        assert_eq!(
            policy.decide(&request("system_shell", other)).action,
            Action::Ask,
            "{other}"
        );
    }
}

#[test]
fn an_enforced_rule_still_decides_and_the_report_says_so() {
    let layers = Layers {
        enforced: vec![rule(
            "e-push",
            "system_shell",
            Action::Ask,
            Some("git push *"),
        )],
        ..Layers::default()
    };
    let s = suggest_for(
        &layers,
        ExecutionMode::Restricted,
        "system_shell",
        "git push origin main",
    );
    assert!(s.impact.overrides.is_empty(), "{:?}", s.impact.overrides);
    let still = s.impact.still_decided.expect("the guardrail still decides");
    assert_eq!(still.action, Action::Ask);
    assert!(
        matches!(&still.reason, Reason::Rule { layer: Layer::Enforced, rule_id, position: 1 } if &**rule_id == "e-push"),
        "{still:?}"
    );
    assert!(
        still.message.contains("never overrides it"),
        "{}",
        still.message
    );
}

#[test]
fn a_workspace_rule_comes_after_the_agents_ask_and_says_so() {
    let layers = Layers {
        agent: vec![rule("a-ask", "system_shell", Action::Ask, Some("npm *"))],
        ..Layers::default()
    };
    let s = suggest(
        &layers,
        ExecutionMode::Restricted,
        &catalog(),
        &request("system_shell", "npm test"),
        Layer::Workspace,
    )
    .unwrap();
    assert_eq!(pattern_of(&s), "npm test");
    let still = s.impact.still_decided.unwrap();
    assert!(
        still.message.contains("agent rule #1 (a-ask) comes first"),
        "{}",
        still.message
    );
}

#[test]
fn file_tools_get_the_absolute_normalized_path() {
    let s = suggest_for(
        &Layers::default(),
        ExecutionMode::Restricted,
        "write_file",
        "src/../notes/./a*.md",
    );
    assert_eq!(pattern_of(&s), r"/repo/notes/a\*.md");
    assert!(alone_allows(&s.rule, "write_file", "/repo/notes/a*.md"));
    assert!(!alone_allows(&s.rule, "write_file", "/repo/notes/ab.md"));
    assert!(!alone_allows(&s.rule, "write_file", "/repo/notes/a*.md/x"));
    let err = suggest(
        &Layers::default(),
        ExecutionMode::Restricted,
        &catalog(),
        &request("delete_file", "/../etc/passwd"),
        Layer::Agent,
    )
    .unwrap_err();
    assert!(matches!(err, SuggestError::InvalidInput(_)), "{err:?}");
}

#[test]
fn urls_are_normalized_and_exact() {
    let s = suggest_for(
        &Layers::default(),
        ExecutionMode::Restricted,
        "http_request",
        "HTTPS://API.example.com:443/v1/x?q=*",
    );
    assert_eq!(pattern_of(&s), r"https://api.example.com/v1/x?q=\*");
    assert!(!alone_allows(
        &s.rule,
        "http_request",
        "https://api.example.com/v1/x?q=1"
    ));
}

#[test]
fn only_a_read_only_tool_gets_a_star_and_never_past_its_subcommand() {
    let s = suggest_for(
        &Layers::default(),
        ExecutionMode::Locked,
        "git_read",
        "git log --oneline -5",
    );
    assert_eq!(pattern_of(&s), "git log *");
    assert!(alone_allows(&s.rule, "git_read", "git log -p"));
    assert!(!alone_allows(&s.rule, "git_read", "git show HEAD"));
    assert!(!alone_allows(&s.rule, "git_read", "gitx log -p"));
    // The program and assignments as written: an allow rule must name them
    // so, and then covers only them.
    let s = suggest_for(
        &Layers::default(),
        ExecutionMode::Locked,
        "git_read",
        "LC_ALL=C /usr/bin/git log -5",
    );
    assert_eq!(pattern_of(&s), "LC_ALL=C /usr/bin/git log *");
    assert!(alone_allows(
        &s.rule,
        "git_read",
        "LC_ALL=C /usr/bin/git log -5"
    ));
    assert!(!alone_allows(&s.rule, "git_read", "LC_ALL=C ./git log -5"));
    // Nothing to stand for: exact.
    assert_eq!(
        pattern_of(&suggest_for(
            &Layers::default(),
            ExecutionMode::Locked,
            "git_read",
            "git status"
        )),
        "git status"
    );
    // Not read-only: exact words.
    assert_eq!(
        pattern_of(&suggest_for(
            &Layers::default(),
            ExecutionMode::Locked,
            "system_shell",
            "git log --oneline -5"
        )),
        "git log --oneline -5"
    );
}

#[test]
fn a_compound_command_gets_a_rule_for_the_part_that_asked_and_says_what_else_decides() {
    let layers = Layers {
        agent: vec![rule("a-ls", "system_shell", Action::Allow, Some("ls *"))],
        ..Layers::default()
    };
    let s = suggest_for(
        &layers,
        ExecutionMode::Restricted,
        "system_shell",
        "ls -la && rm -rf build && make",
    );
    assert_eq!(pattern_of(&s), "rm -rf build");
    let still = s.impact.still_decided.unwrap();
    assert_eq!(
        still.reason,
        Reason::Mode {
            mode: ExecutionMode::Restricted
        }
    );
}

#[test]
fn commands_no_rule_can_allow_are_reported_not_suggested_for() {
    let err = suggest(
        &Layers::default(),
        ExecutionMode::Restricted,
        &catalog(),
        &request("system_shell", "echo 'unterminated"),
        Layer::Agent,
    )
    .unwrap_err();
    assert!(matches!(err, SuggestError::Unanalysable(_)), "{err:?}");
    let s = suggest_for(
        &Layers::default(),
        ExecutionMode::Restricted,
        "system_shell",
        "rm -rf $DIR",
    );
    // The suggested rule names `$DIR` as written, and an allow rule never
    // vouches for a word only known at run time: the mode still decides.
    let still = s.impact.still_decided.expect("the request stays unallowed");
    assert_eq!(still.action, Action::Ask);
    assert!(matches!(still.reason, Reason::Mode { .. }), "{still:?}");
    assert!(
        suggest(
            &Layers::default(),
            ExecutionMode::Open,
            &catalog(),
            &request("system_shell", "ls"),
            Layer::Enforced
        )
        .is_err()
    );
}

// ---------------------------------------------------------------------------
// Properties over generated commands and rule sets.
// ---------------------------------------------------------------------------

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-rf".to_owned()),
        Just("--force".to_owned()),
        Just("main".to_owned()),
        Just("origin".to_owned()),
        Just("build".to_owned()),
        Just("./src/../lib".to_owned()),
        Just("/etc/passwd".to_owned()),
        Just("'a b'".to_owned()),
        Just("\"x*y\"".to_owned()),
        Just(r"a\\b".to_owned()),
        Just("''".to_owned()),
        "[a-z]{1,6}",
    ]
}

fn program() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("git"),
        Just("npm"),
        Just("rm"),
        Just("cat"),
        Just("echo"),
        Just("/usr/bin/git")
    ]
}

fn subcommand() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("push"), Just("status"), Just("install"), Just("log")]
}

/// One simple command: program, subcommand, arguments.
fn command() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        program(),
        subcommand(),
        proptest::collection::vec(word(), 0..4),
    )
        .prop_map(|(p, s, args)| (p.to_owned(), s.to_owned(), args))
}

fn render((program, sub, args): &(String, String, Vec<String>)) -> String {
    let mut words = vec![program.clone(), sub.clone()];
    words.extend(args.iter().cloned());
    words.join(" ")
}

fn rules() -> impl Strategy<Value = Layers> {
    let pattern = prop_oneof![
        Just(None),
        Just(Some("git *")),
        Just(Some("git push *")),
        Just(Some("rm *")),
        Just(Some("* --force*")),
        Just(Some("npm install *")),
        Just(Some("git status")),
    ];
    let one = (0..3usize, pattern, 0..3usize);
    let list = move || proptest::collection::vec(one.clone(), 0..3);
    (list(), list(), list()).prop_map(|(e, a, w)| {
        let mut n = 0;
        let mut build = |v: Vec<(usize, Option<&str>, usize)>| {
            v.into_iter()
                .map(|(action, pattern, tool)| {
                    n += 1;
                    let action = [Action::Allow, Action::Ask, Action::Deny][action];
                    let tool = ["system_shell", "*", "git_read"][tool];
                    rule(&format!("r{n}"), tool, action, pattern)
                })
                .collect()
        };
        Layers {
            enforced: build(e),
            agent: build(a),
            workspace: build(w),
        }
    })
}

fn mode() -> impl Strategy<Value = ExecutionMode> {
    prop_oneof![
        Just(ExecutionMode::Restricted),
        Just(ExecutionMode::ReadWrite),
        Just(ExecutionMode::Locked),
    ]
}

/// The canonical text the engine judges for a single simple command.
fn canonical(input: &str) -> Option<String> {
    let commands = bosun_policy::shell::parse(input).ok()?;
    match commands.as_slice() {
        [only] => Some(only.text.clone()),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Added to the policy, the suggested rule allows the request, or the
    /// report says exactly what decides instead; and it allows no command
    /// with an extra argument, a missing one, another subcommand or
    /// another program.
    #[test]
    fn the_suggestion_covers_the_request_and_nothing_different(
        layers in rules(),
        mode in mode(),
        cmd in command(),
        extra in word(),
        other_sub in subcommand(),
        tool in prop_oneof![Just("system_shell"), Just("git_read")],
    ) {
        let input = render(&cmd);
        let s = suggest(&layers, mode, &catalog(), &request(tool, &input), Layer::Agent)
            .expect("a parseable command always gets a suggestion");
        let after = CompiledPolicy::compile(&with_rule(&layers, &s.rule), mode, &catalog())
            .decide(&request(tool, &input));
        match &s.impact.still_decided {
            None => prop_assert_eq!(after.action, Action::Allow, "{} {:?}", input, s),
            Some(still) => {
                prop_assert_ne!(after.action, Action::Allow);
                prop_assert_eq!(still.action, after.action);
                prop_assert_eq!(&still.reason, &after.reason);
            }
        }
        // An enforced rule that decides the request is never reported as
        // overridden: it still decides.
        prop_assert!(s.impact.overrides.iter().all(|r| r.layer == Layer::Workspace));

        let original = canonical(&input).expect("generated commands are simple");
        let read_only = tool == "git_read";
        let (program, sub, args) = &cmd;
        let mut variants = vec![
            format!("{input} {extra}"),
            render(&(program.clone(), other_sub.to_owned(), args.clone())),
            render(&(format!("{program}x"), sub.clone(), args.clone())),
        ];
        if !args.is_empty() {
            variants.push(render(&(program.clone(), sub.clone(), args[..args.len() - 1].to_vec())));
        }
        for variant in variants {
            let Some(text) = canonical(&variant) else { continue };
            if text == original {
                continue; // the same command, spelled differently
            }
            let same_prefix = {
                let base = |t: &str| t.split(' ').take(2).map(str::to_owned).collect::<Vec<_>>();
                base(&text) == base(&original)
            };
            if read_only && same_prefix {
                continue; // a read-only tool's star covers further arguments
            }
            prop_assert!(
                !alone_allows(&s.rule, tool, &variant),
                "{:?} (for {:?}) also allows {:?}", pattern_of(&s), input, variant
            );
        }
    }

    /// For file tools the rule names one absolute path: the request's, and
    /// no sibling, child or parent.
    #[test]
    fn a_path_suggestion_allows_that_file_only(
        dir in proptest::collection::vec("[a-z.]{1,4}", 0..3),
        name in "[a-zA-Z*]{1,5}",
        relative in any::<bool>(),
        tool in prop_oneof![Just("write_file"), Just("delete_file"), Just("read_file")],
    ) {
        let path = dir.iter().chain(std::iter::once(&name)).cloned().collect::<Vec<_>>().join("/");
        let input = if relative { path.clone() } else { format!("/{path}") };
        let Ok(s) = suggest(&Layers::default(), ExecutionMode::Locked, &catalog(), &request(tool, &input), Layer::Agent) else {
            return Ok(()); // `..` above the root: denied whatever the rules say
        };
        let pattern = pattern_of(&s);
        prop_assert!(pattern.starts_with('/'), "{pattern}");
        prop_assert!(s.impact.still_decided.is_none(), "{:?}", s);
        prop_assert!(alone_allows(&s.rule, tool, &input));
        let absolute = bosun_policy::path::normalize_path(&input, Some(REPO)).unwrap();
        for other in [format!("{absolute}x"), format!("{absolute}/x"), format!("{absolute}/../zz9")] {
            prop_assert!(!alone_allows(&s.rule, tool, &other), "{pattern} allows {other}");
        }
    }
}
