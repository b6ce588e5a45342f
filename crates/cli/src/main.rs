//! The `civicgrid` binary: parses the command line and runs the chosen subcommand. The
//! server library (`civicgrid`) and the demo and benchmarks (`civicgrid-demo`) do the work;
//! this crate only wires them to the command line.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
