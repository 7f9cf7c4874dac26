//! `zhucun`: the command line of Zhucun (驻村台账), a thin layer over zhucun-core.

mod args;
mod output;
mod run;

use std::process::ExitCode;

fn main() -> ExitCode {
    zhucun_core::install_panic_hook();
    let lang = zhucun_core::Lang::from_env();
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; clap exits 2 for usage errors.
            let code = e.exit_code();
            let _ = e.print();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    match run::run(cli, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(run::Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(run::Failure::Refused(e)) => {
            eprintln!("{}", e.message(lang));
            ExitCode::from(1)
        }
        // The reader went away (`zhucun household list | head`): nothing more to say.
        Err(run::Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(run::Failure::Output(e)) => {
            eprintln!(
                "{}",
                lang.pick(
                    &format!("无法输出：{e}"),
                    &format!("Cannot write output: {e}")
                )
            );
            ExitCode::from(1)
        }
    }
}
