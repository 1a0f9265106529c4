//! The progress of `folio translate` on standard error: a bar redrawn in place on a terminal,
//! plain lines in a log.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar, in characters.
const BAR: usize = 30;

/// In a log, the longest silence while segments are being translated: a slow engine (a local
/// LLM) shows it is moving.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Shows pipeline events as they come.
pub struct Progress {
    terminal: bool,
    /// Whether a bar is drawn on the current line (to end it before other output).
    drawn: bool,
    /// In a log: when the last progress line was written, and the count it showed.
    logged: (Instant, usize),
}

impl Progress {
    /// A progress display on standard error.
    pub fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            drawn: false,
            logged: (Instant::now(), 0),
        }
    }

    /// Shows one event.
    pub fn event(&mut self, event: folio::Event) {
        let mut err = std::io::stderr().lock();
        match event {
            folio::Event::Started(stage) => {
                self.end_line(&mut err);
                self.logged = (Instant::now(), self.logged.1);
                let _ = writeln!(err, "{stage:?}…");
            }
            folio::Event::Translated { done, total } if self.terminal => {
                let filled = (done * BAR).checked_div(total).unwrap_or(BAR).min(BAR);
                let _ = write!(
                    err,
                    "\r  [{}{}] {done}/{total} segments",
                    "#".repeat(filled),
                    "-".repeat(BAR - filled)
                );
                let _ = err.flush();
                self.drawn = true;
            }
            // In a log, a line every 200 segments, at the end, and at least every 10 s while
            // the count moves.
            folio::Event::Translated { done, total }
                if done == total
                    || done % 200 == 0
                    || (done != self.logged.1 && self.logged.0.elapsed() >= LOG_EVERY) =>
            {
                let _ = writeln!(err, "  {done}/{total} segments");
                self.logged = (Instant::now(), done);
            }
            folio::Event::Translated { .. } => {}
        }
    }

    /// Ends the bar's line, if one is drawn.
    pub fn finish(&mut self) {
        let mut err = std::io::stderr().lock();
        self.end_line(&mut err);
    }

    fn end_line(&mut self, err: &mut impl Write) {
        if self.drawn {
            let _ = writeln!(err);
            self.drawn = false;
        }
    }
}
