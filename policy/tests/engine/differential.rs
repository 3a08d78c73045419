//! Differential tests: the compiled policy must decide exactly as the
//! reference evaluator (a first-match loop) on generated rule sets and
//! inputs, and pattern containment must agree with brute force.

use bosun_policy::{
    Action, Catalog, CompiledPolicy, ExecutionMode, Layers, ReferencePolicy, Request, Rule,
    RulePattern, ToolSelector,
};
use proptest::prelude::*;

/// Pattern pieces over a tiny alphabet, so that generated patterns and
/// inputs collide often.
fn pattern() -> impl Strategy<Value = Option<String>> {
    let piece = prop_oneof![
        Just("a"),
        Just("b"),
        Just("ab"),
        Just("/"),
        Just(" "),
        Just("*"),
        Just("\\*"),
        Just("ls"),
        Just("rm"),
        Just("/etc/"),
        Just("A=1 "),
        Just("./"),
        Just("E"),
    ];
    prop_oneof![
        1 => Just(None),
        9 => proptest::collection::vec(piece, 1..7).prop_map(|v| Some(v.concat())),
    ]
}

fn rule() -> impl Strategy<Value = (usize, usize, Option<String>)> {
    (0..6usize, 0..3usize, pattern())
}

fn make_rule(i: usize, (tool, action, pattern): (usize, usize, Option<String>)) -> Rule {
    let tool = [
        "*",
        "send_email",
        "read_file",
        "system_shell",
        "custom",
        "write_file",
    ][tool];
    let action = [Action::Allow, Action::Ask, Action::Deny][action];
    let pattern = pattern.map(|p| RulePattern::parse(&p).expect("generated patterns are valid"));
    Rule::new(format!("r{i}"), ToolSelector::parse(tool), action, pattern)
}

fn layers() -> impl Strategy<Value = Layers> {
    let list = || proptest::collection::vec(rule(), 0..10);
    (list(), list(), list()).prop_map(|(e, a, w)| {
        let mut n = 0;
        let mut build = |v: Vec<_>| {
            v.into_iter()
                .map(|r| {
                    n += 1;
                    make_rule(n, r)
                })
                .collect::<Vec<_>>()
        };
        Layers {
            enforced: build(e),
            agent: build(a),
            workspace: build(w),
        }
    })
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("/"),
            Just(" "),
            Just("*"),
            Just("ls"),
            Just("rm"),
            Just("etc"),
            Just("ETC")
        ],
        0..10,
    )
    .prop_map(|v| v.concat())
}

fn command() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("ls"),
        Just("rm"),
        Just("a"),
        Just("/bin/rm"),
        Just("$x"),
        Just("'a b'"),
        Just("*"),
        Just("sudo"),
        Just("> a"),
        Just("./rm"),
        Just("A=1"),
        Just("/etc/x"),
        Just("/ETC/x"),
        Just("~/x"),
        Just("< /etc/x"),
        Just("python3 -c a"),
        Just("''"),
    ];
    let sep = prop_oneof![
        Just(" "),
        Just(" "),
        Just(" "),
        Just("; "),
        Just(" && "),
        Just(" | "),
        Just("\n")
    ];
    proptest::collection::vec((word, sep), 1..6).prop_map(|v| {
        v.into_iter()
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    })
}

fn mode() -> impl Strategy<Value = ExecutionMode> {
    prop_oneof![
        Just(ExecutionMode::Restricted),
        Just(ExecutionMode::ReadWrite),
        Just(ExecutionMode::Open),
        Just(ExecutionMode::Locked),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_policy_agrees_with_the_reference(
        layers in layers(),
        mode in mode(),
        texts in proptest::collection::vec(text(), 1..8),
        commands in proptest::collection::vec(command(), 1..4),
    ) {
        let catalog = Catalog::builtin();
        let fast = CompiledPolicy::compile(&layers, mode, &catalog);
        let slow = ReferencePolicy::new(&layers, mode, &catalog);
        for t in &texts {
            for tool in ["send_email", "custom", "read_file", "write_file"] {
                let input = if tool.ends_with("_file") { format!("/{t}") } else { t.clone() };
                let req = Request::new(tool, &input);
                prop_assert_eq!(fast.decide(&req), slow.decide(&req), "{} {:?}", tool, input);
            }
        }
        for c in &commands {
            for req in [Request::new("system_shell", c), Request::new("system_shell", c).with_working_dir("/repo")] {
                prop_assert_eq!(fast.decide(&req), slow.decide(&req), "{:?}", c);
            }
        }
    }

    #[test]
    fn containment_agrees_with_brute_force(
        narrow in pattern(),
        broad in pattern(),
        samples in proptest::collection::vec(text(), 0..30),
    ) {
        let (Some(narrow), Some(broad)) = (narrow, broad) else { return Ok(()) };
        let narrow = RulePattern::parse(&narrow).unwrap();
        let broad = RulePattern::parse(&broad).unwrap();
        if narrow.is_subsumed_by(&broad) {
            for s in &samples {
                prop_assert!(!narrow.matches(s) || broad.matches(s), "{:?} ⊆ {:?} but {:?}", narrow, broad, s);
            }
        } else {
            // A counterexample exists: the narrow pattern with each star
            // replaced by a character neither pattern contains.
            let parts: Vec<String> = narrow.as_str().replace("\\*", "\u{1}").split('*').map(|p| p.replace('\u{1}', "*")).collect();
            let counter = parts.join("z");
            prop_assert!(narrow.matches(&counter) && !broad.matches(&counter), "{:?} vs {:?}: {:?}", narrow, broad, counter);
        }
    }
}

/// The worst shapes for per-rule scanning, at scale, against the reference.
#[test]
fn compiled_policy_agrees_on_large_adversarial_rule_sets() {
    let mut agent = Vec::new();
    for i in 0..3000 {
        let p = match i % 6 {
            0 => format!("*.e{i}"),
            1 => format!("/p{i}/*"),
            2 => format!("*m{i}*"),
            3 => format!("*a{i}*b{i}*"),
            4 => format!("/x/*{i}*.rs"),
            _ => format!("/lit/{i}"),
        };
        agent.push(Rule::new(
            format!("r{i}"),
            ToolSelector::parse("read_file"),
            [Action::Allow, Action::Ask, Action::Deny][i % 3],
            Some(RulePattern::parse(&p).unwrap()),
        ));
    }
    let layers = Layers {
        agent,
        ..Layers::default()
    };
    let catalog = Catalog::builtin();
    let fast = CompiledPolicy::compile(&layers, ExecutionMode::Locked, &catalog);
    let slow = ReferencePolicy::new(&layers, ExecutionMode::Locked, &catalog);
    for input in [
        "/a/b.e12",
        "/p7/x",
        "/p1/x",
        "/q/m2/m8/z",
        "/a9/b9/a3/b3",
        "/x/y/123.rs",
        "/x/y/1.rs",
        "/lit/5",
        "/lit/6",
        "/nothing/here.rs",
        "/m1000m2000",
    ] {
        let req = Request::new("read_file", input);
        assert_eq!(fast.decide(&req), slow.decide(&req), "{input}");
    }
}
