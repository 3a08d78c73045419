//! `bosun worker`: a reference worker. It claims runs of one agent with the
//! agent's runtime key and carries out the plan in each run's input,
//! `{"steps": [{"tool": "...", "input": "...", "content": "..."}]}`, asking
//! Bosun before every step, waiting for reviewers, and reporting results.
//!
//! Files are confined to the working directory: paths outside it are
//! refused. Shell commands run with the working directory as their current
//! directory; that is not a sandbox, which is why their rules matter.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Where to find Bosun, who to be, and where to work.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub url: String,
    pub key: String,
    pub workdir: PathBuf,
    /// Stop after one run (for scripts and tests).
    pub once: bool,
}

#[derive(Deserialize)]
struct Plan {
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    tool: String,
    input: String,
    /// What `write_file` writes.
    #[serde(default)]
    content: String,
}

struct Worker {
    client: Client,
    config: WorkerConfig,
}

pub async fn run(config: WorkerConfig) -> anyhow::Result<()> {
    let workdir = std::fs::canonicalize(&config.workdir).with_context(|| {
        format!(
            "the working directory {} must exist",
            config.workdir.display()
        )
    })?;
    let worker = Worker {
        client: Client::new(),
        config: WorkerConfig { workdir, ..config },
    };
    tracing::info!(url = %worker.config.url, "worker waiting for runs");
    loop {
        let Some(run) = worker.claim().await? else {
            continue;
        };
        let id = run["id"].as_str().unwrap_or_default().to_owned();
        tracing::info!(run = %id, "claimed a run");
        let outcome = worker.carry_out(&id, &run["input"]).await;
        let (status, output) = match outcome {
            Ok(output) => ("succeeded", output),
            Err(error) => ("failed", json!({ "error": format!("{error:#}") })),
        };
        worker
            .post(
                &format!("/api/v1/runtime/runs/{id}/finish"),
                json!({ "status": status, "output": output }),
            )
            .await?;
        tracing::info!(run = %id, status, "finished a run");
        if worker.config.once {
            return Ok(());
        }
    }
}

impl Worker {
    async fn claim(&self) -> anyhow::Result<Option<Value>> {
        let response = self
            .client
            .get(format!(
                "{}/api/v1/runtime/runs/next?wait=30",
                self.config.url
            ))
            .bearer_auth(&self.config.key)
            .send()
            .await?;
        match response.status() {
            StatusCode::NO_CONTENT => Ok(None),
            StatusCode::OK => Ok(Some(response.json::<Value>().await?["run"].clone())),
            status => bail!(
                "claiming a run failed: {status}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }

    async fn carry_out(&self, run: &str, input: &Value) -> anyhow::Result<Value> {
        let plan: Plan = serde_json::from_value(input.clone())
            .context("the run input is not a plan of steps")?;
        for (index, step) in plan.steps.iter().enumerate() {
            let asked = self
                .post(
                    &format!("/api/v1/runtime/runs/{run}/tool-calls"),
                    json!({ "tool": step.tool, "input": step.input, "idempotency_key": format!("step-{index}"),
                            "working_dir": self.config.workdir }),
                )
                .await?;
            let decided = self.await_decision(asked).await?;
            let call = decided["id"].as_str().unwrap_or_default().to_owned();
            if decided["decision"] != "allow" {
                let message = decided["message"].as_str().unwrap_or("denied by the rules");
                self.post(
                    &format!("/api/v1/runtime/runs/{run}/events"),
                    json!({ "step": index, "denied": step.input, "message": message }),
                )
                .await?;
                bail!(
                    "step {} ({} {}) was denied: {message}",
                    index + 1,
                    step.tool,
                    step.input
                );
            }
            let input = decided["input"].as_str().unwrap_or(&step.input).to_owned();
            let started = Instant::now();
            let result = self.execute(&step.tool, &input, &step.content).await;
            let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            let body = match result {
                Ok(output) => json!({ "output": output, "duration_ms": duration_ms }),
                Err(error) => json!({ "error": format!("{error:#}"), "duration_ms": duration_ms }),
            };
            self.post(&format!("/api/v1/runtime/tool-calls/{call}/result"), body)
                .await?;
        }
        Ok(json!({ "steps": plan.steps.len() }))
    }

    /// Waits while a reviewer decides.
    async fn await_decision(&self, mut state: Value) -> anyhow::Result<Value> {
        while state["decision"] == "pending" {
            let id = state["id"].as_str().unwrap_or_default();
            let response = self
                .client
                .get(format!(
                    "{}/api/v1/runtime/tool-calls/{id}?wait=30",
                    self.config.url
                ))
                .bearer_auth(&self.config.key)
                .send()
                .await?;
            state = checked(response).await?;
        }
        Ok(state)
    }

    async fn execute(&self, tool: &str, input: &str, content: &str) -> anyhow::Result<Value> {
        match tool {
            "system_shell" => {
                let output = tokio::time::timeout(
                    Duration::from_secs(120),
                    tokio::process::Command::new("sh")
                        .arg("-c")
                        .arg(input)
                        .current_dir(&self.config.workdir)
                        .output(),
                )
                .await
                .context("the command took longer than two minutes")??;
                Ok(json!({
                    "exit_code": output.status.code(),
                    "stdout": String::from_utf8_lossy(&output.stdout),
                    "stderr": String::from_utf8_lossy(&output.stderr),
                }))
            }
            "read_file" => {
                Ok(json!({ "content": tokio::fs::read_to_string(self.confine(input)?).await? }))
            }
            "write_file" => {
                tokio::fs::write(self.confine(input)?, content).await?;
                Ok(json!({ "written": content.len() }))
            }
            "delete_file" => {
                tokio::fs::remove_file(self.confine(input)?).await?;
                Ok(json!({ "deleted": input }))
            }
            "list_directory" => {
                let mut entries = tokio::fs::read_dir(self.confine(input)?).await?;
                let mut names = Vec::new();
                while let Some(entry) = entries.next_entry().await? {
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
                names.sort();
                Ok(json!({ "entries": names }))
            }
            other => bail!("the reference worker cannot run `{other}`"),
        }
    }

    /// The path inside the working directory, or an error if it leaves it.
    fn confine(&self, path: &str) -> anyhow::Result<PathBuf> {
        let joined = self.config.workdir.join(path);
        let mut clean = PathBuf::new();
        for part in joined.components() {
            match part {
                Component::ParentDir => {
                    clean.pop();
                }
                Component::CurDir => {}
                other => clean.push(other),
            }
        }
        if !clean.starts_with(&self.config.workdir) || clean.as_path() == Path::new("/") {
            bail!("{path} is outside the working directory");
        }
        Ok(clean)
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.config.url))
            .bearer_auth(&self.config.key)
            .json(&body)
            .send()
            .await?;
        checked(response).await
    }
}

async fn checked(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "Bosun answered {status}: {}",
            body["error"]["message"].as_str().unwrap_or("")
        );
    }
    Ok(body)
}
