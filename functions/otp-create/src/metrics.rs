//! Metrics in CloudWatch's embedded metric format (EMF): one JSON object per line on
//! standard output, which Lambda sends to the function's log group and CloudWatch Logs
//! turns into a metric, with no API call and no permission.
//!
//! The one metric is `DailyBudgetExhausted` (namespace [`NAMESPACE`], dimension
//! [`DIMENSION`] = the function's name): a request refused because the daily send budget
//! is spent. The stack's alarm on it notifies an SNS topic.

use std::io::Write;
use std::sync::Mutex;

use serde_json::{json, Value};

/// The metrics' namespace.
pub const NAMESPACE: &str = "Orders/TwoFactor";
/// The one dimension: the function's name (`AWS_LAMBDA_FUNCTION_NAME`), so that the dev
/// and prod functions in one account are told apart.
pub const DIMENSION: &str = "FunctionName";
/// A request refused because the daily budget is spent (count).
pub const DAILY_BUDGET_EXHAUSTED: &str = "DailyBudgetExhausted";

/// Where the handler counts what the operator must hear of.
pub trait Metrics: Send + Sync {
    /// A request was refused at `now` (epoch seconds) because the daily budget is spent.
    fn daily_budget_exhausted(&self, now: i64);
}

/// [`Metrics`] as EMF lines written to `out` (standard output in `main`).
#[derive(Debug)]
pub struct Emf<W> {
    function_name: String,
    out: Mutex<W>,
}

impl<W: Write + Send> Emf<W> {
    /// Metrics of the function `function_name`, written to `out`.
    pub fn new(function_name: impl Into<String>, out: W) -> Self {
        Self {
            function_name: function_name.into(),
            out: Mutex::new(out),
        }
    }

    /// The EMF record counting one `metric` at `now` (epoch seconds).
    pub fn record(&self, metric: &str, now: i64) -> Value {
        json!({
            "_aws": {
                "Timestamp": now.saturating_mul(1000),
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": metric, "Unit": "Count"}],
                }],
            },
            DIMENSION: self.function_name,
            metric: 1,
        })
    }
}

impl<W: Write + Send> Metrics for Emf<W> {
    fn daily_budget_exhausted(&self, now: i64) {
        let line = self.record(DAILY_BUDGET_EXHAUSTED, now).to_string();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // Standard output is the function's log: if writing to it fails, there is nowhere
        // left to report that.
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emf_line_per_count() {
        let emf = Emf::new("Dev-TwoFactor-CreateFunction", Vec::new());
        emf.daily_budget_exhausted(1_700_000_000);
        emf.daily_budget_exhausted(1_700_000_001);
        let out = emf.out.into_inner().unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            json!({
                "_aws": {
                    "Timestamp": 1_700_000_000_000_i64,
                    "CloudWatchMetrics": [{
                        "Namespace": "Orders/TwoFactor",
                        "Dimensions": [["FunctionName"]],
                        "Metrics": [{"Name": "DailyBudgetExhausted", "Unit": "Count"}]
                    }]
                },
                "FunctionName": "Dev-TwoFactor-CreateFunction",
                "DailyBudgetExhausted": 1
            })
        );
        assert_eq!(lines[1]["_aws"]["Timestamp"], 1_700_000_001_000_i64);
    }
}
