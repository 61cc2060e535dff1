use clap::Parser;
use modelvet::cli::{Cli, Exit, run};

fn main() {
    let cli = Cli::parse();
    let code = std::panic::catch_unwind(|| run(cli)).unwrap_or(Exit::Internal);
    std::process::exit(code as i32);
}
