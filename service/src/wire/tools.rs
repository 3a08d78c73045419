use bosun_wire::tools::Tool;

use crate::tools::ToolInfo;

impl From<ToolInfo> for Tool {
    fn from(tool: ToolInfo) -> Self {
        Self {
            name: tool.name,
            description: tool.description,
            argument_kind: tool.argument_kind,
            default_risk: tool.default_risk,
            category: tool.category,
            read_only: tool.read_only,
            builtin: tool.builtin,
            input_schema: tool.input_schema,
            subject: tool.subject,
        }
    }
}
