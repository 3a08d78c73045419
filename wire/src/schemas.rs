//! OpenAPI schemas of the shapes serde alone does not describe (the
//! server's document only).

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

/// A tool input's schema: a string (the subject itself) or a JSON object
/// (matched by the tool's `input_schema`, which the document cannot know).
pub fn tool_input() -> Schema {
    input_kinds(&[Type::String, Type::Object])
}

/// [`tool_input`], or null where the field may be left out.
pub fn optional_tool_input() -> Schema {
    input_kinds(&[Type::String, Type::Object, Type::Null])
}

fn input_kinds(kinds: &[Type]) -> Schema {
    kinds
        .iter()
        .fold(OneOfBuilder::new(), |one_of, kind| {
            one_of.item(ObjectBuilder::new().schema_type(kind.clone()))
        })
        .build()
        .into()
}
