//! A closed pipe ends the command quietly.
//!
//! `print!` panics when stdout's reader has gone (`topology evaluate --json |
//! head -c 10`). The reader asked for no more: exit at once with the status a
//! process killed by SIGPIPE has (141), without a message or a backtrace, as
//! other Unix tools end in a pipeline. Every other panic keeps the default hook.

use std::panic;

/// The exit status after stdout's reader closed the pipe (128 + SIGPIPE).
pub const CLOSED_PIPE_EXIT: i32 = 141;

pub fn quiet_on_closed_pipe() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE_EXIT);
        }
        default(info);
    }));
}
