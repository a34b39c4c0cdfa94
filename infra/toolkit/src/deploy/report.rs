//! Where the deploy toolchain sends progress and asks questions. It never
//! prints: the CLI hands it a [`Reporter`] and decides how lines are shown.

/// The receiver of a deployment's progress lines and questions.
pub trait Reporter {
    /// One line of progress or status, without its newline.
    fn line(&self, line: &str);

    /// Preformatted lines (a change set summary), each ending in a newline.
    fn text(&self, text: &str);

    /// Asks a yes/no question and waits for the answer; `true` for yes.
    fn confirm(&self, question: &str) -> std::io::Result<bool>;
}

/// A reporter that keeps the lines, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Recorder {
    /// Every line and text reported, in order.
    pub lines: std::cell::RefCell<Vec<String>>,
}

#[cfg(test)]
impl Reporter for Recorder {
    fn line(&self, line: &str) {
        self.lines.borrow_mut().push(line.to_owned());
    }

    fn text(&self, text: &str) {
        self.lines.borrow_mut().push(text.to_owned());
    }

    fn confirm(&self, question: &str) -> std::io::Result<bool> {
        self.line(question);
        Ok(false)
    }
}
