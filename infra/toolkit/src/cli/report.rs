//! The terminal side of the deploy toolchain's [`Reporter`]: progress on
//! stderr (stdout stays for outputs), questions answered on stdin.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::deploy::report::Reporter;

/// Progress on stderr, answers from stdin.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal;

impl Reporter for Terminal {
    fn line(&self, line: &str) {
        eprintln!("{line}");
    }

    fn text(&self, text: &str) {
        eprint!("{text}");
    }

    fn confirm(&self, question: &str) -> std::io::Result<bool> {
        eprint!("{question}");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
}

/// Asks a yes/no question on the terminal; refuses without one (`flag` is how to proceed anyway).
pub fn confirm_on_terminal(question: &str, flag: &'static str) -> crate::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(crate::Error::NoTerminal { flag });
    }
    Terminal.confirm(question).map_err(crate::Error::Prompt)
}
