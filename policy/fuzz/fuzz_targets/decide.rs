//! Differential fuzzing of whole decisions: rules and input come from the
//! fuzzer; the compiled policy must never panic and must agree with the
//! reference evaluator.
//!
//! Input layout: `input \x01 pattern \x01 pattern …`; each pattern's first
//! byte picks its tool, action and layer.
#![no_main]

use bosun_policy::{
    Action, Catalog, CompiledPolicy, ExecutionMode, Layers, ReferencePolicy, Request, Rule,
    RulePattern, ToolSelector,
};
use libfuzzer_sys::fuzz_target;

const TOOLS: [&str; 8] = [
    "*",
    "system_shell",
    "read_file",
    "write_file",
    "http_request",
    "send_email",
    "custom",
    "system_shell",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\u{1}');
    let input = parts.next().unwrap_or("");
    let mut layers = Layers::default();
    let mut tool_for_input = "system_shell";
    for (i, part) in parts.take(16).enumerate() {
        let selector = part.bytes().next().unwrap_or(0) as usize;
        let tool = TOOLS[selector % TOOLS.len()];
        if i == 0 {
            tool_for_input = TOOLS[1 + selector % (TOOLS.len() - 1)];
        }
        let action = [Action::Allow, Action::Ask, Action::Deny][(selector / 8) % 3];
        let pattern = part
            .get(1..)
            .filter(|p| !p.is_empty())
            .and_then(|p| RulePattern::parse(p).ok());
        let rule = Rule::new(format!("r{i}"), ToolSelector::parse(tool), action, pattern);
        match (selector / 24) % 3 {
            0 => layers.enforced.push(rule),
            1 => layers.agent.push(rule),
            _ => layers.workspace.push(rule),
        }
    }
    let mode = [
        ExecutionMode::Restricted,
        ExecutionMode::ReadWrite,
        ExecutionMode::Open,
        ExecutionMode::Locked,
    ][input.len() % 4];
    let catalog = Catalog::builtin();
    let fast = CompiledPolicy::compile(&layers, mode, &catalog);
    let slow = ReferencePolicy::new(&layers, mode, &catalog);
    let request = Request::new(tool_for_input, input).with_working_dir("/work/repo");
    assert_eq!(fast.decide(&request), slow.decide(&request));
    let _ = bosun_policy::analyze(&layers, &catalog);
});
