//! The `bosun` command.

fn main() -> std::process::ExitCode {
    bosun_server::cli::main()
}
