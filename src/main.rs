use clap::Parser;
use modelvet::cli::{Cli, Exit, run};

fn main() {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`| head`) would
    // panic; the default action ends the process quietly like other tools.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let code = std::panic::catch_unwind(|| run(cli)).unwrap_or(Exit::Internal);
    std::process::exit(code as i32);
}
