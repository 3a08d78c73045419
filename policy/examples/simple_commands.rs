//! Prints the simple commands the engine judges in each command line, for
//! the differential test against an independent bash parser
//! (`policy/tests/differential-bash/`).
//!
//! Reads one JSON string (a command line) per line on standard input and
//! writes one JSON object per line on standard output:
//! `{"error": "…"}` when the line cannot be parsed at all, else
//! `{"commands": [{"program", "args", "unanalysable"}]}` in the order the
//! engine found them (`unanalysable` is null or why that command is at
//! least `ask`).

use std::io::{self, BufRead, BufWriter, Write};

use bosun_policy::shell;
use serde_json::{Value, json};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let answer = match serde_json::from_str::<String>(&line) {
            Err(e) => json!({ "error": format!("not a JSON string: {e}") }),
            Ok(input) => judged(&input),
        };
        writeln!(out, "{answer}")?;
    }
    out.flush()
}

fn judged(input: &str) -> Value {
    if input.contains('\0') {
        return json!({ "error": "the command contains a NUL character" });
    }
    match shell::parse(input) {
        Err(e) => json!({ "error": e.to_string() }),
        Ok(commands) => {
            let commands: Vec<Value> = commands
                .iter()
                .map(|c| {
                    json!({
                        "program": c.program(),
                        "args": c.args().collect::<Vec<_>>(),
                        "unanalysable": c.unanalysable,
                    })
                })
                .collect();
            json!({ "commands": commands })
        }
    }
}
