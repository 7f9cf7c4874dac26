//! Starts the Zhucun window. Everything else lives in the library, `zhucun_app_lib`.

// In a release build on Windows, do not open a console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    match zhucun_app_lib::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zhucun-app: {error}");
            ExitCode::FAILURE
        }
    }
}
