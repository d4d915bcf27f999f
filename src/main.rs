//! The `anchorage` binary: the workstation window and the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = anchorage::cli::Cli::parse();
    anchorage::cli::run(cli, anchorage::app::run_gui)
}
