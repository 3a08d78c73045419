//! Property tests: a denied command stays denied, and a command no allow
//! rule names stays unallowed, however it is composed — connectors,
//! wrappers, quoting, substitutions, compound commands and nested shells.

use bosun_policy::{Action::*, ExecutionMode, Layers};
use proptest::prelude::*;

use crate::{compile, decide, rule};

/// Single-quotes text for the shell, so it survives as one word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Spellings of the program `rm` that the shell runs as `rm`.
fn program() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("rm"),
        Just("'rm'"),
        Just("\"rm\""),
        Just("r''m"),
        Just("\\rm"),
        Just("/bin/rm"),
        Just("/usr/bin/../bin/rm"),
        Just("$'rm'"),
        Just("$'\\x72m'"),
    ]
    .prop_map(str::to_owned)
}

fn denied() -> impl Strategy<Value = String> {
    (
        program(),
        prop_oneof![Just(" -rf /"), Just(" x"), Just(""), Just(" -- -x")],
    )
        .prop_map(|(p, args)| format!("{p}{args}"))
}

/// Ways to put a command inside a bigger one.
fn compose(inner: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let wrappers = prop_oneof![
        Just("sudo "),
        Just("sudo -u root "),
        Just("env "),
        Just("env -i "),
        Just("env - "),
        Just("env A=1 "),
        Just("A=1 "),
        Just("nohup "),
        Just("timeout 5 "),
        Just("timeout -s KILL 5 "),
        Just("nice -n 5 "),
        Just("time "),
        Just("command "),
        Just("builtin "),
        Just("exec "),
        Just("xargs "),
        Just("xargs -I{} "),
        Just("stdbuf -oL "),
        Just("setsid "),
        Just("ionice -c3 "),
        Just("busybox "),
    ];
    let forms = prop_oneof![
        Just("bash -c Q"),
        Just("sh -ec Q"),
        Just("bash -euxo pipefail -c Q"),
        Just("eval Q"),
        Just("trap Q EXIT"),
        Just("find . -exec sh -c Q \\;"),
        Just("env -S Q"),
        Just("echo $(X)"),
        Just("echo \"$(X)\""),
        Just("cat <(X)"),
        Just("(X)"),
        Just("{ X; }"),
        Just("if true; then X; fi"),
        Just("while false; do X; done"),
        Just("for i in 1; do X; done"),
        Just("f() { X; }; f"),
        Just("case a in a) X;; esac"),
        Just("coproc { X; }"),
        Just("time { X; }"),
        Just("X | cat"),
        Just("ls && X"),
        Just("ls || X"),
        Just("ls; X"),
        Just("ls & X"),
        Just("ls\nX"),
        Just("X > /dev/null 2>&1"),
        Just("! X"),
        Just("echo ${v:-$(X)}"),
        Just("echo $(( $(X) ))"),
        Just("bash <<< Q"),
        Just("alias a=Q; a"),
        // `watch` hands its words, joined by spaces, to `sh -c`.
        Just("watch -n 1 Q"),
    ];
    prop_oneof![
        (wrappers, inner.clone()).prop_map(|(w, x)| format!("{w}{x}")),
        (forms, inner).prop_map(|(f, x)| f.replace('Q', &quote(&x)).replace('X', &x)),
    ]
}

fn composed() -> impl Strategy<Value = String> {
    denied().prop_recursive(4, 64, 1, |inner| compose(inner.boxed()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn a_denied_command_is_never_allowed_however_it_is_composed(command in composed()) {
        // Guardrails: everything allowed but `rm`, in the open mode.
        let guardrails = compile(
            &Layers {
                enforced: vec![rule("rm", "system_shell", Deny, Some("rm *"))],
                agent: vec![rule("all", "system_shell", Allow, None)],
                ..Layers::default()
            },
            ExecutionMode::Open,
        );
        let d = decide(&guardrails, "system_shell", &command);
        prop_assert_ne!(d.action, Allow, "{:?}: {:?}", command, d.commands);
        // Narrow allow rules for everything around `rm`, in the locked mode.
        let narrow = compile(
            &Layers {
                agent: ["ls *", "echo *", "cat *", "true", "false", "f", "a", "sudo *", "env *", "bash *", "sh *", "xargs *", "find *", "watch *", "timeout *", "nohup *"]
                    .iter()
                    .enumerate()
                    .map(|(i, p)| rule(&format!("r{i}"), "system_shell", Allow, Some(p)))
                    .collect(),
                ..Layers::default()
            },
            ExecutionMode::Locked,
        );
        let d = decide(&narrow, "system_shell", &command);
        prop_assert_ne!(d.action, Allow, "{:?}: {:?}", command, d.commands);
    }
}
