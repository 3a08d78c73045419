//! Where Bosun tells people that something happened: the workspace's
//! webhooks with their delivery logs (Settings → Integrations) and each
//! person's request emails (My account).

use leptos::prelude::*;

use crate::api::notifications::{
    CreateWebhook, DeleteWebhook, Delivery, SetEmailNotifications, WEBHOOK_EVENTS, Webhook,
    email_notifications, list_webhooks, webhook_deliveries,
};
use crate::components::errors::{ActionError, ErrorNotice};
use crate::components::resource_table::ResourceTable;
use crate::dates::Precision;

/// The workspace's webhooks: add one (its secret is shown once), remove
/// one, and read what was delivered to it.
#[component]
pub fn WebhooksSection() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let webhooks = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    // The webhook whose deliveries are open.
    let open = RwSignal::new(None::<(String, String)>);
    let created = move || create.value().get().and_then(Result::ok);
    // A URL (which may hold a secret) and a secret must not linger in the
    // form once the webhook is saved.
    let (url, secret) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            url.set(String::new());
            secret.set(String::new());
        }
    });
    view! {
        <section class="card" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">"Webhooks"</h2>
            <p class="hint">
                "Bosun posts a signed JSON message to each webhook when something it asks for happens (the README shows how to check the signature). A Slack webhook gets a message with a button that opens the request."
            </p>
            <ActionError result=delete.value() />
            <ResourceTable
                load=move || async move { webhooks.await }
                label="Webhooks"
                columns=vec!["URL", "Kind", "Events", "Added", ""]
                empty="No webhooks yet."
                row=move |webhook: Webhook| {
                    let (id, shown) = (webhook.id.clone(), webhook.url.clone());
                    let delete_id = webhook.id.clone();
                    view! {
                        <tr data-testid="webhook">
                            <td class="mono">{webhook.url.clone()}</td>
                            <td>{webhook.kind.clone()}</td>
                            <td class="mono">{webhook.events.join(" ")}</td>
                            <td>{webhook.created_at.format(Precision::Second)}</td>
                            <td class="row-actions">
                                <button type="button" class="secondary"
                                    aria-label=format!("Deliveries to {}", webhook.url)
                                    on:click=move |_| open.set(Some((id.clone(), shown.clone())))>"Deliveries"</button>
                                <button type="button" class="secondary"
                                    aria-label=format!("Delete webhook {}", webhook.url)
                                    on:click=move |_| {
                                        open.set(None);
                                        delete.dispatch(DeleteWebhook { id: delete_id.clone() });
                                    }>"Delete"</button>
                            </td>
                        </tr>
                    }
                }
            />
            {move || open.get().map(|(id, url)| view! { <DeliveryLog id url on_close=move || open.set(None) /> })}
            <h3>"Add a webhook"</h3>
            <ActionForm action=create attr:class="stack" attr:aria-label="Webhook">
                <label>"URL"
                    <input name="fields[url]" type="url" required placeholder="https://hooks.slack.com/services/…" autocomplete="off"
                        prop:value=url on:input=move |ev| url.set(event_target_value(&ev)) />
                </label>
                <label>"Kind"
                    <select name="fields[kind]">
                        <option value="generic">"Bosun JSON (signed)"</option>
                        <option value="slack">"Slack incoming webhook"</option>
                    </select>
                </label>
                <fieldset>
                    <legend>"Events"</legend>
                    {WEBHOOK_EVENTS.iter().map(|(event, meaning)| view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("fields[{}]", event.replace('.', "_")) value="on"
                                checked=*event == "approval.requested" />
                            <span><span class="mono">{*event}</span> ": " {*meaning}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <label>"Secret (leave empty to have one generated)"
                    <input name="fields[secret]" type="password" autocomplete="off"
                        prop:value=secret on:input=move |ev| secret.set(event_target_value(&ev)) />
                </label>
                <ActionError result=create.value() />
                <div class="row-actions"><button type="submit">"Add webhook"</button></div>
            </ActionForm>
            {move || created().map(|new| view! {
                <div class="notice" role="status">
                    <p>"Webhook added. Copy its signing secret now; it will not be shown again."</p>
                    <code class="secret" data-testid="webhook-secret">{new.secret}</code>
                </div>
            })}
        </section>
    }
}

/// What was delivered to one webhook, newest first, refreshed on demand.
#[component]
fn DeliveryLog(
    id: String,
    url: String,
    on_close: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let refresh = RwSignal::new(0_u32);
    let deliveries = Resource::new(
        move || (id.clone(), refresh.get()),
        |(id, _)| webhook_deliveries(id),
    );
    view! {
        <div class="stack" data-testid="deliveries">
            <h3>"Deliveries to " <span class="mono">{url}</span></h3>
            <div class="row-actions">
                <button type="button" class="secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                <button type="button" class="secondary" on:click=move |_| on_close()>"Close"</button>
            </div>
            // Focusable: it scrolls sideways on a phone and holds no control.
            <ResourceTable
                load=move || async move { deliveries.await }
                label="Deliveries"
                focusable=true
                keep_while_reloading=true
                columns=vec!["Event", "Status", "Attempts", "Last error", "Queued"]
                empty="Nothing delivered yet."
                row=|delivery: Delivery| view! {
                    <tr data-testid="delivery">
                        <td class="mono">{delivery.event}</td>
                        <td>
                            <span class=format!("badge delivery-{}", delivery.status)>{delivery.status.clone()}</span>
                            {delivery.last_status.map(|status| format!(" (HTTP {status})"))}
                            {delivery.next_attempt_at.map(|at| format!(" · next try {}", at.format(Precision::Second)))}
                        </td>
                        <td>{delivery.attempts}</td>
                        <td>{delivery.last_error.unwrap_or_default()}</td>
                        <td>{delivery.created_at.format(Precision::Second)}</td>
                    </tr>
                }
            />
        </div>
    }
}

/// The signed-in person's choice of request emails.
#[component]
pub fn EmailNotificationsSection() -> impl IntoView {
    let save = ServerAction::<SetEmailNotifications>::new();
    let current = Resource::new(move || save.version().get(), |_| email_notifications());
    view! {
        <section class="card" aria-labelledby="notifications-heading">
            <h2 id="notifications-heading">"Notifications"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(on) => view! {
                            <ActionForm action=save attr:class="inline">
                                <label class="choice">
                                    <input type="checkbox" name="email" value="on" checked=on />
                                    "Email me when a request waits for my decision"
                                </label>
                                <button type="submit" class="secondary">"Save"</button>
                            </ActionForm>
                            <p class="hint">"Emails go out only where the administrator set up a mail server."</p>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionError result=save.value() />
        </section>
    }
}
