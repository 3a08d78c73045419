use bosun_policy::Layer;
use bosun_wire::rules::Rule;

use crate::rules::RuleInfo;

impl From<RuleInfo> for Rule {
    fn from(rule: RuleInfo) -> Self {
        Self {
            id: rule.id.to_string(),
            action: rule.action,
            enforced: match rule.layer {
                Layer::Agent => None,
                layer => Some(layer == Layer::Enforced),
            },
            tool: rule.tool,
            pattern: rule.pattern,
            note: rule.note,
            position: rule.position,
        }
    }
}
