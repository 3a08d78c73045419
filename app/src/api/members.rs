//! Workspace members, managed by admins: list, add, change role, deactivate.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

/// The labels of the Members page's fields, for its messages.
#[cfg(feature = "ssr")]
const LABELS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("name", "Name"),
    ("password", "Password"),
    ("role", "Role"),
    // Whom a row's button acts on: the message says it all.
    ("user_id", ""),
];

#[cfg(feature = "ssr")]
fn in_words(error: bosun_service::Error) -> AppError {
    AppError::in_words(error, LABELS)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub joined: String,
}

#[cfg(feature = "ssr")]
impl From<bosun_service::identity::Member> for MemberView {
    fn from(member: bosun_service::identity::Member) -> Self {
        Self {
            id: member.id.to_string(),
            email: member.email,
            name: member.name,
            role: member.role.as_str().into(),
            active: member.deactivated_at.is_none(),
            joined: absolute(member.created_at, Precision::Day),
        }
    }
}

#[server(prefix = "/fn", endpoint = "members/list")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    use super::ssr::{bosun, principal};
    let members = bosun()?.list_members(&principal().await?).await?;
    Ok(members.into_iter().map(MemberView::from).collect())
}

#[server(prefix = "/fn", endpoint = "members/add")]
pub async fn add_member(
    email: String,
    name: String,
    password: String,
    role: String,
) -> Result<MemberView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::identity::NewUser;
    use bosun_service::validate::one_of;

    let new_user = NewUser {
        email,
        name: Some(name),
        password,
        role: one_of("role", &role).map_err(in_words)?,
    };
    let member = bosun()?
        .add_member(&principal().await?, new_user)
        .await
        .map_err(in_words)?;
    Ok(member.into())
}

#[server(prefix = "/fn", endpoint = "members/role")]
pub async fn change_role(user_id: String, role: String) -> Result<MemberView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::identity::Role;
    use bosun_service::ids::UserId;
    use bosun_service::validate::one_of;

    let role: Role = one_of("role", &role).map_err(in_words)?;
    let member = bosun()?
        .change_role(&principal().await?, &UserId::parse(&user_id)?, role)
        .await
        .map_err(in_words)?;
    Ok(member.into())
}

#[server(prefix = "/fn", endpoint = "members/active")]
pub async fn set_member_active(user_id: String, active: bool) -> Result<MemberView, AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::ids::UserId;

    let member = bosun()?
        .set_member_active(&principal().await?, &UserId::parse(&user_id)?, active)
        .await
        .map_err(in_words)?;
    Ok(member.into())
}
