//! The `anchorage` binary: the workstation window ([`anchorage_app`]) and the command line
//! ([`cli`]), both thin layers over [`anchorage_core`].

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args, |path| {
        anchorage_app::run_gui(path).map_err(cli::CliError)
    })
}
