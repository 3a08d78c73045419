//! `bosun worker`: a reference worker. It claims runs of one agent with the
//! agent's runtime key and carries out the plan in each run's input,
//! `{"steps": [{"tool": "...", "input": "...", "content": "..."}]}`, asking
//! Bosun before every step, waiting for reviewers, and reporting results.
//! A step's input may also be structured, as the tool's schema has it:
//! `{"tool": "write_file", "input": {"path": "a.txt", "content": "…"}}`,
//! `{"tool": "system_shell", "input": {"command": "ls"}}`. A reviewer's edit
//! comes back redacted; its `[redacted]` values are the step's own.
//!
//! Files are confined to the working directory: a path is resolved through
//! every symbolic link along it and refused unless what it reaches lies
//! inside the (equally resolved) working directory. The directory holding
//! the file is then opened and checked once more by what it really is, and
//! the file is reached through that open directory (`/proc/self/fd/N/name`,
//! the `openat` of paths) without following a link in its last step: a
//! directory on the way swapped for a link after the check changes nothing,
//! and a link swapped in for the file fails to open. Shell commands run
//! with the working directory as their current directory; that is not a
//! sandbox, which is why their rules matter.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

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
    /// A string, or an object (`{"path", "content"}`, `{"command"}`).
    input: Value,
    /// What `write_file` writes, for a string input.
    #[serde(default)]
    content: String,
}

/// What a step runs on, from the input Bosun allowed: the command or path,
/// and what `write_file` writes.
fn target_of(tool: &str, input: &Value, step_content: &str) -> anyhow::Result<(String, String)> {
    match input {
        Value::String(target) => Ok((target.clone(), step_content.to_owned())),
        Value::Object(fields) => {
            let field = if tool == "system_shell" {
                "command"
            } else {
                "path"
            };
            let target = fields
                .get(field)
                .and_then(Value::as_str)
                .with_context(|| format!("the input has no {field}"))?;
            let content = fields
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or(step_content);
            Ok((target.to_owned(), content.to_owned()))
        }
        _ => bail!("the input is neither a string nor an object"),
    }
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
        let finished = worker
            .post(
                &format!("/api/v1/runtime/runs/{id}/finish"),
                json!({ "status": status, "output": output }),
            )
            .await;
        match finished {
            Ok(_) => tracing::info!(run = %id, status, "finished a run"),
            // Someone cancelled the run meanwhile: there is nothing left
            // to do for it, and the worker goes on with the next one.
            Err(error) if run_ended(&error) => {
                tracing::info!(run = %id, "the run was ended by someone else: {error:#}");
            }
            Err(error) => return Err(error),
        }
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
                // The input as Bosun kept it: secrets redacted.
                let kept = &decided["input"];
                self.post(
                    &format!("/api/v1/runtime/runs/{run}/events"),
                    json!({ "step": index, "denied": kept, "message": message }),
                )
                .await?;
                bail!(
                    "step {} ({} {kept}) was denied: {message}",
                    index + 1,
                    step.tool,
                );
            }
            let input = if decided["edited"] == true {
                let mut edited = decided["input"].clone();
                bosun_service::redact::restore(&mut edited, Some(&step.input), &[]);
                edited
            } else {
                step.input.clone()
            };
            let started = Instant::now();
            let result = match target_of(&step.tool, &input, &step.content) {
                Ok((target, content)) => self.execute(&step.tool, &target, &content).await,
                Err(error) => Err(error),
            };
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
            state = answer_of(response).await?;
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
                let (dir, name) = self.held_entry(input, &self.existing_inside(input)?)?;
                let file =
                    open_no_follow(&dir.entry(&name), std::fs::OpenOptions::new().read(true))?;
                let mut content = String::new();
                tokio::fs::File::from_std(file)
                    .read_to_string(&mut content)
                    .await?;
                Ok(json!({ "content": content }))
            }
            "write_file" => {
                let path = match self.existing_inside(input) {
                    Ok(path) => path,
                    Err(_) if !self.config.workdir.join(input).exists() => {
                        self.entry_inside(input)?
                    }
                    Err(error) => return Err(error),
                };
                let (dir, name) = self.held_entry(input, &path)?;
                let file = open_no_follow(
                    &dir.entry(&name),
                    std::fs::OpenOptions::new().write(true).create(true),
                )?;
                // Emptied only once it is known to be the file checked.
                file.set_len(0)?;
                let mut file = tokio::fs::File::from_std(file);
                file.write_all(content.as_bytes()).await?;
                file.flush().await?;
                Ok(json!({ "written": content.len() }))
            }
            "delete_file" => {
                // The entry itself goes: a symbolic link is removed, never
                // what it points to.
                let (dir, name) = self.held_entry(input, &self.entry_inside(input)?)?;
                tokio::fs::remove_file(dir.entry(&name)).await?;
                Ok(json!({ "deleted": input }))
            }
            "list_directory" => {
                let dir = self.held_dir(input, &self.existing_inside(input)?)?;
                let mut entries = tokio::fs::read_dir(dir.path()).await?;
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

    /// An existing path, with every symbolic link along it resolved, that
    /// lies inside the working directory; an error otherwise.
    fn existing_inside(&self, path: &str) -> anyhow::Result<PathBuf> {
        let resolved = std::fs::canonicalize(self.config.workdir.join(checked(path)?))
            .with_context(|| format!("{path} cannot be found"))?;
        self.inside(path, resolved)
    }

    /// A directory entry that may not exist yet: its parent resolved as
    /// [`Worker::existing_inside`], then its own name, which must be a plain
    /// one (not `..`, not empty).
    fn entry_inside(&self, path: &str) -> anyhow::Result<PathBuf> {
        let joined = self.config.workdir.join(checked(path)?);
        let (Some(parent), Some(Component::Normal(name))) =
            (joined.parent(), joined.components().next_back())
        else {
            bail!("{path} does not name a file");
        };
        let parent = std::fs::canonicalize(parent)
            .with_context(|| format!("the directory of {path} cannot be found"))?;
        self.inside(path, parent.join(name))
    }

    fn inside(&self, path: &str, resolved: PathBuf) -> anyhow::Result<PathBuf> {
        if resolved.starts_with(&self.config.workdir) {
            Ok(resolved)
        } else {
            bail!("{path} is outside the working directory")
        }
    }

    /// The directory `resolved` (checked inside the working directory),
    /// opened and checked again by what was really opened.
    fn held_dir(&self, path: &str, resolved: &Path) -> anyhow::Result<HeldDir> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            &mut options,
            libc::O_DIRECTORY | libc::O_NOFOLLOW,
        );
        let dir = HeldDir(
            options
                .open(resolved)
                .with_context(|| format!("opening the directory of {path}"))?,
        );
        let really = std::fs::read_link(dir.path())
            .context("the worker confines files through /proc/self/fd, which is not there")?;
        self.inside(path, really)?;
        Ok(dir)
    }

    /// The directory holding `resolved` (checked inside the working
    /// directory), held as [`Worker::held_dir`], and the entry's name in it.
    fn held_entry(
        &self,
        path: &str,
        resolved: &Path,
    ) -> anyhow::Result<(HeldDir, std::ffi::OsString)> {
        let (Some(parent), Some(name)) = (resolved.parent(), resolved.file_name()) else {
            bail!("{path} does not name a file");
        };
        Ok((self.held_dir(path, parent)?, name.to_owned()))
    }
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.config.url))
            .bearer_auth(&self.config.key)
            .json(&body)
            .send()
            .await?;
        answer_of(response).await
    }
}

/// A path as given, refused when it holds NUL.
fn checked(path: &str) -> anyhow::Result<&Path> {
    if path.contains('\0') {
        bail!("a path cannot hold a NUL character");
    }
    Ok(Path::new(path))
}

/// An open directory of the working directory. Paths through
/// `/proc/self/fd/N` lead to the very directory that was opened and
/// checked, whatever has been renamed or swapped for a link since.
struct HeldDir(std::fs::File);

impl HeldDir {
    fn path(&self) -> PathBuf {
        PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&self.0)
        ))
    }

    fn entry(&self, name: &std::ffi::OsStr) -> PathBuf {
        self.path().join(name)
    }
}

/// Opens an entry of a held directory, refusing to follow a symbolic link
/// put in its place since (`O_NOFOLLOW`): a swapped-in link fails to open
/// instead of leading out of the working directory.
fn open_no_follow(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> anyhow::Result<std::fs::File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    options
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

/// An answer of Bosun's that was not a success, with its error code.
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    code: String,
    message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bosun answered {}: {}", self.status, self.message)
    }
}

impl std::error::Error for Refused {}

/// Whether Bosun refused because the run is no longer running (it was
/// cancelled, or ended otherwise).
fn run_ended(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<Refused>()
        .is_some_and(|refused| refused.code == "run_not_active")
}

async fn answer_of(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(Refused {
            status,
            code: body["error"]["code"].as_str().unwrap_or("").to_owned(),
            message: body["error"]["message"].as_str().unwrap_or("").to_owned(),
        }
        .into());
    }
    Ok(body)
}
