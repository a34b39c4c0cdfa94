//! EventBridge: rules that run targets on a schedule.

use std::cell::OnceCell;

use cfn::events::rule::{State, Target};
use cfn::events::{Rule, RuleRef};
use constructs::value::list;
use constructs::{JsonValue, Scope, Value};

use crate::iam::{Grant, Role, ServicePrincipal};
use crate::lambda::RustFunction;
use crate::stepfunctions::StateMachine;

/// When a schedule rule fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Every `n` minutes (`rate(5 minutes)`).
    Minutes(u32),
    /// Every `n` hours.
    Hours(u32),
    /// A cron expression with EventBridge's six fields, in UTC.
    Cron(String),
}

impl Schedule {
    /// The schedule expression.
    pub fn expression(&self) -> String {
        let rate = |n: u32, unit: &str| {
            let plural = if n == 1 { "" } else { "s" };
            format!("rate({n} {unit}{plural})")
        };
        match self {
            Schedule::Minutes(n) => rate(*n, "minute"),
            Schedule::Hours(n) => rate(*n, "hour"),
            Schedule::Cron(c) => format!("cron({c})"),
        }
    }
}

/// A rule on the default event bus that fires on a schedule.
#[derive(Clone, Debug)]
pub struct ScheduleRule {
    scope: Scope,
    resource: RuleRef,
    role: OnceCell<Role>,
}

impl ScheduleRule {
    /// Adds an enabled rule under `scope`.
    pub fn new(scope: &Scope, id: &str, schedule: Schedule, description: &str) -> ScheduleRule {
        let scope = scope.scope(id);
        let resource = scope.add(
            "Resource",
            Rule::new()
                .schedule_expression(schedule.expression())
                .description(description)
                .state(State::Enabled),
        );
        ScheduleRule {
            scope,
            resource,
            role: OnceCell::new(),
        }
    }

    /// The rule's ARN.
    pub fn arn(&self) -> Value<String> {
        self.resource.arn()
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &RuleRef {
        &self.resource
    }

    fn add_target(&self, target: Target) {
        self.resource.update(|r| {
            let targets = r.targets.get_or_insert_with(|| list(Vec::<Target>::new()));
            if let Value::Literal(t) = targets {
                t.push(Value::Literal(target));
            }
        });
    }

    /// Targets a state machine, with an optional constant input: EventBridge
    /// starts its executions with the rule's role, which is granted
    /// `states:StartExecution` on this machine alone. Returns that grant.
    pub fn add_state_machine_target(
        &self,
        id: &str,
        machine: &StateMachine,
        input: Option<JsonValue>,
    ) -> Grant {
        let role = self.role.get_or_init(|| {
            Role::new(
                &self.scope,
                "EventsRole",
                &ServicePrincipal::new("events.amazonaws.com"),
            )
        });
        let mut target = Target::new(id, machine.arn()).role_arn(role.arn());
        if let Some(input) = input {
            target = target.input(input.to_string());
        }
        self.add_target(target);
        machine.grant_start_execution(role)
    }

    /// Targets a function, allowing EventBridge to invoke it from this rule only.
    pub fn add_function_target(&self, id: &str, function: &RustFunction) {
        self.add_target(Target::new(id, function.arn()));
        function.grant_invoke(
            &ServicePrincipal::new("events.amazonaws.com")
                .with_source_arn(self.arn())
                .with_id(format!("{id}Permission")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_expressions() {
        assert_eq!(Schedule::Minutes(5).expression(), "rate(5 minutes)");
        assert_eq!(Schedule::Minutes(1).expression(), "rate(1 minute)");
        assert_eq!(Schedule::Hours(2).expression(), "rate(2 hours)");
        assert_eq!(
            Schedule::Cron("0 12 * * ? *".into()).expression(),
            "cron(0 12 * * ? *)"
        );
    }
}
