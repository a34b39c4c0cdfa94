//! A state graph (a definition, or a Map's item processor): its states,
//! validation, and rendering with definition substitutions.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use constructs::JsonValue;
use serde::{Serialize, Serializer};
use serde_json::{json, Map as JsonMap};

use super::states::{errors, integration_name, State, Task};

/// Longest state name the service accepts.
pub const MAX_STATE_NAME_LEN: usize = 80;

/// States and where to start: a state machine's definition, or the item
/// processor of a [`super::Map`]. States are kept in the order they were
/// added, which is the order they are rendered in. Serializes as the ASL
/// definition, with references to resources inline (as intrinsics).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateGraph {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    start_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_seconds: Option<u32>,
    #[serde(serialize_with = "serialize_states")]
    states: Vec<(String, State)>,
}

/// How a Map runs its item processor; serializes as `{"Mode": "INLINE"}`.
#[derive(Serialize)]
#[serde(tag = "Mode", rename_all = "UPPERCASE")]
enum ProcessorConfig {
    Inline,
}

/// A Map's `ItemProcessor`: its mode, then the graph without
/// `TimeoutSeconds`, which only a top-level definition may set (validation
/// reports it).
pub(crate) fn serialize_item_processor<S: Serializer>(
    graph: &StateGraph,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct ItemProcessor<'a> {
        processor_config: ProcessorConfig,
        #[serde(skip_serializing_if = "Option::is_none")]
        comment: Option<&'a str>,
        start_at: &'a str,
        #[serde(serialize_with = "serialize_states")]
        states: &'a [(String, State)],
    }
    ItemProcessor {
        processor_config: ProcessorConfig::Inline,
        comment: graph.comment.as_deref(),
        start_at: &graph.start_at,
        states: &graph.states,
    }
    .serialize(serializer)
}

/// States as the ASL `States` object: name → state, in order.
fn serialize_states<S: Serializer>(
    states: &[(String, State)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(states.iter().map(|(name, state)| (name, state)))
}

/// A definition rendered for CloudFormation: the ASL object with
/// `${Name}` placeholders where it refers to resources, and what each
/// placeholder stands for (the template's `DefinitionSubstitutions`).
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedDefinition {
    /// The ASL definition.
    pub definition: JsonValue,
    /// Placeholder name → intrinsic (`Fn::GetAtt`, `Ref`, …).
    pub substitutions: BTreeMap<String, JsonValue>,
}

impl StateGraph {
    /// An empty graph that starts at the state `start_at`.
    pub fn new(start_at: impl Into<String>) -> StateGraph {
        StateGraph {
            start_at: start_at.into(),
            states: Vec::new(),
            comment: None,
            timeout_seconds: None,
        }
    }

    /// Adds the state `name`.
    pub fn state(mut self, name: impl Into<String>, state: impl Into<State>) -> Self {
        self.states.push((name.into(), state.into()));
        self
    }

    /// Sets `Comment`. Default: none.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Fails an execution that runs longer (`TimeoutSeconds`, top level only).
    /// Default: none (a standard execution may run for a year).
    pub fn timeout_seconds(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// The first state.
    pub fn start_at(&self) -> &str {
        &self.start_at
    }

    /// The states, in order.
    pub fn states(&self) -> impl Iterator<Item = (&str, &State)> {
        self.states.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// Every task of the graph, including those in Map item processors.
    pub fn tasks(&self) -> Vec<&Task> {
        let mut tasks = Vec::new();
        for (_, s) in &self.states {
            match s {
                State::Task(t) => tasks.push(t),
                State::Map(m) => tasks.extend(m.processor.tasks()),
                _ => {}
            }
        }
        tasks
    }

    /// The definition as ASL JSON, with references to resources inline (as
    /// intrinsics). CloudFormation needs [`StateGraph::render`] instead.
    pub fn to_json(&self) -> JsonValue {
        // Cannot fail: every map key is a string and every value serializes.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The definition for a template: every intrinsic value becomes a
    /// `${Name}` placeholder, named after the state and the field
    /// (`${GetResultsFunctionName}`), so that the definition stays a JSON
    /// object that cfn-lint and ASL linters can check.
    pub fn render(&self) -> RenderedDefinition {
        let mut definition = self.to_json();
        let mut subs = Substitutions::default();
        if let Some(JsonValue::Object(states)) = definition.get_mut("States") {
            for (name, state) in states.iter_mut() {
                extract(state, name, "", &mut subs);
            }
        }
        RenderedDefinition {
            definition,
            substitutions: subs.by_name,
        }
    }

    /// Everything wrong with the graph, one message per problem, each naming
    /// the state: missing `StartAt`/`Next`/`Default`/`Catch` targets,
    /// unreachable states, states with neither `Next` nor `End`, duplicate
    /// or overlong names, Choices without rules, misplaced `States.ALL`.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        self.collect_names(&mut seen);
        let mut duplicates: Vec<&str> = seen
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(name, _)| *name)
            .collect();
        duplicates.sort_unstable();
        for name in duplicates {
            problems.push(format!(
                "state name '{name}' is used {} times; state names must be unique in the whole state machine",
                seen[name]
            ));
        }
        self.validate_graph(None, &mut problems);
        problems
    }

    fn collect_names<'a>(&'a self, seen: &mut HashMap<&'a str, usize>) {
        for (name, state) in &self.states {
            *seen.entry(name.as_str()).or_default() += 1;
            if let State::Map(m) = state {
                m.processor.collect_names(seen);
            }
        }
    }

    fn validate_graph(&self, map: Option<&str>, problems: &mut Vec<String>) {
        let within = match map {
            None => "the definition".to_owned(),
            Some(m) => format!("the item processor of Map '{m}'"),
        };
        if self.states.is_empty() {
            problems.push(format!("{within} has no states"));
            return;
        }
        if map.is_some() && self.timeout_seconds.is_some() {
            problems.push(format!(
                "{within} sets TimeoutSeconds, which only a top-level definition may"
            ));
        }
        let names: HashSet<&str> = self.states.iter().map(|(n, _)| n.as_str()).collect();
        if !names.contains(self.start_at.as_str()) {
            problems.push(format!(
                "StartAt '{}' is not a state of {within}",
                self.start_at
            ));
        }
        for (name, state) in &self.states {
            if name.is_empty() || name.chars().count() > MAX_STATE_NAME_LEN {
                problems.push(format!(
                    "state name '{name}' must be 1 to {MAX_STATE_NAME_LEN} characters"
                ));
            }
            for (field, target) in state.targets() {
                if !names.contains(target) {
                    problems.push(format!(
                        "state '{name}': {field} '{target}' is not a state of {within}"
                    ));
                }
            }
            if let Some(None) = state.transition() {
                problems.push(format!(
                    "state '{name}' ({}) has neither Next nor End: it must go somewhere or end the execution",
                    state.type_name()
                ));
            }
            if let State::Choice(c) = state {
                if c.rules.is_empty() {
                    problems.push(format!("state '{name}' (Choice) has no choice rules"));
                }
                for rule in &c.rules {
                    for p in rule.condition.problems() {
                        problems.push(format!("state '{name}' (Choice): {p}"));
                    }
                }
            }
            let (retry, catch) = state.retry_catch();
            let retry_errors: Vec<&[String]> = retry.iter().map(|r| r.errors()).collect();
            let catch_errors: Vec<&[String]> = catch.iter().map(|c| c.errors()).collect();
            check_error_lists(name, "Retry", &retry_errors, problems);
            check_error_lists(name, "Catch", &catch_errors, problems);
            if let State::Map(m) = state {
                m.processor.validate_graph(Some(name), problems);
            }
        }
        for name in self.unreachable() {
            problems.push(format!(
                "state '{name}' is unreachable from StartAt '{}' in {within}",
                self.start_at
            ));
        }
    }

    /// States no path from `StartAt` leads to, in order.
    fn unreachable(&self) -> Vec<&str> {
        let by_name: HashMap<&str, &State> =
            self.states.iter().map(|(n, s)| (n.as_str(), s)).collect();
        let mut reached: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        if by_name.contains_key(self.start_at.as_str()) {
            queue.push_back(self.start_at.as_str());
        }
        while let Some(name) = queue.pop_front() {
            if !reached.insert(name) {
                continue;
            }
            if let Some(state) = by_name.get(name) {
                for (_, target) in state.targets() {
                    if by_name.contains_key(target) && !reached.contains(target) {
                        queue.push_back(target);
                    }
                }
            }
        }
        self.states
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !reached.contains(n))
            .collect()
    }
}

fn check_error_lists(state: &str, field: &str, lists: &[&[String]], problems: &mut Vec<String>) {
    for (i, errors_list) in lists.iter().enumerate() {
        let n = i + 1;
        if errors_list.is_empty() {
            problems.push(format!(
                "state '{state}': {field} #{n} has an empty ErrorEquals"
            ));
        }
        if errors_list.iter().any(|e| e == errors::ALL) {
            if errors_list.len() > 1 {
                problems.push(format!(
                    "state '{state}': {field} #{n}: {} must be the only error in its ErrorEquals",
                    errors::ALL
                ));
            }
            if n != lists.len() {
                problems.push(format!(
                    "state '{state}': {field} #{n}: {} must be in the last {field}",
                    errors::ALL
                ));
            }
        }
    }
}

#[derive(Default)]
struct Substitutions {
    by_name: BTreeMap<String, JsonValue>,
    by_value: Vec<(JsonValue, String)>,
}

impl Substitutions {
    fn name_for(&mut self, intrinsic: &JsonValue, state: &str, field: &str) -> String {
        if let Some((_, name)) = self.by_value.iter().find(|(v, _)| v == intrinsic) {
            return name.clone();
        }
        let base: String = integration_name(intrinsic)
            .unwrap_or_else(|| format!("{state}{field}"))
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let base = if base.is_empty() { "Ref".into() } else { base };
        let mut name = base.clone();
        let mut n = 2;
        while self.by_name.contains_key(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.by_name.insert(name.clone(), intrinsic.clone());
        self.by_value.push((intrinsic.clone(), name.clone()));
        name
    }
}

/// Whether a JSON object is an intrinsic function or a construct reference marker.
fn is_intrinsic(o: &JsonMap<String, JsonValue>) -> bool {
    o.len() == 1
        && o.keys().all(|k| {
            k == "Ref" || k.starts_with("Fn::") || k.starts_with("$$ref") || k == "$$getatt"
        })
}

/// Replaces intrinsics under `value` (part of the state `state`, at the
/// field `field`) with placeholders; descends into Map item processors.
fn extract(value: &mut JsonValue, state: &str, field: &str, subs: &mut Substitutions) {
    match value {
        JsonValue::Object(o) if is_intrinsic(o) => {
            let name = subs.name_for(value, state, field);
            *value = json!(format!("${{{name}}}"));
        }
        JsonValue::Object(o) => {
            for (key, child) in o.iter_mut() {
                if key == "States" && field == "ItemProcessor" {
                    if let JsonValue::Object(states) = child {
                        for (name, nested) in states.iter_mut() {
                            extract(nested, name, "", subs);
                        }
                    }
                } else {
                    let field = key.trim_end_matches(".$");
                    extract(child, state, field, subs);
                }
            }
        }
        JsonValue::Array(items) => {
            for item in items {
                extract(item, state, field, subs);
            }
        }
        _ => {}
    }
}
