//! Deployment order: every stack after the stacks it depends on.

use crate::error::Error;

/// Something deployed after others (a stack), named by an id that the
/// others' dependencies use.
pub trait Dependent {
    /// The id dependencies name (a stack's artifact id).
    fn id(&self) -> &str;
    /// The ids of what must be deployed first.
    fn dependencies(&self) -> &[String];
}

impl<T: Dependent> Dependent for &T {
    fn id(&self) -> &str {
        (**self).id()
    }

    fn dependencies(&self) -> &[String] {
        (**self).dependencies()
    }
}

/// `items` in an order that puts each after the items it depends on;
/// otherwise in the given order. Dependencies on ids that are not among
/// `items` are ignored (a selection of an assembly's stacks).
pub fn deployment_order<T: Dependent>(items: &[T]) -> Result<Vec<&T>, Error> {
    let among = |id: &str| items.iter().any(|i| i.id() == id);
    let mut done: Vec<&str> = Vec::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    while out.len() < items.len() {
        let ready = items.iter().find(|i| {
            !done.contains(&i.id())
                && i.dependencies()
                    .iter()
                    .all(|d| done.contains(&d.as_str()) || !among(d))
        });
        let Some(next) = ready else {
            return Err(cycle(items, &done));
        };
        done.push(next.id());
        out.push(next);
    }
    Ok(out)
}

/// A cycle among the items not `done`: each of them waits for another of
/// them, so following those dependencies must come back to an item seen.
fn cycle<T: Dependent>(items: &[T], done: &[&str]) -> Error {
    let waiting: Vec<&T> = items.iter().filter(|i| !done.contains(&i.id())).collect();
    let find = |id: &str| waiting.iter().find(|i| i.id() == id).copied();
    let mut trail: Vec<&str> = Vec::new();
    let mut current = waiting.first().copied();
    while let Some(item) = current {
        if let Some(start) = trail.iter().position(|id| *id == item.id()) {
            let mut ids: Vec<String> = trail[start..].iter().map(|s| s.to_string()).collect();
            ids.push(item.id().to_owned());
            return Error::Cycle(ids);
        }
        trail.push(item.id());
        current = item.dependencies().iter().find_map(|d| find(d));
    }
    Error::Cycle(trail.iter().map(|s| s.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct S(&'static str, Vec<String>);

    impl Dependent for S {
        fn id(&self) -> &str {
            self.0
        }
        fn dependencies(&self) -> &[String] {
            &self.1
        }
    }

    fn s(id: &'static str, deps: &[&str]) -> S {
        S(id, deps.iter().map(|d| d.to_string()).collect())
    }

    fn ids(order: Vec<&S>) -> Vec<&str> {
        order.iter().map(|s| s.0).collect()
    }

    #[test]
    fn dependencies_first_otherwise_in_the_given_order() {
        let items = [s("Api", &["Data"]), s("Data", &[]), s("Other", &[])];
        assert_eq!(
            ids(deployment_order(&items).unwrap()),
            ["Data", "Api", "Other"]
        );
    }

    #[test]
    fn dependencies_outside_the_items_are_ignored() {
        let items = [s("Api", &["Data"])];
        assert_eq!(ids(deployment_order(&items).unwrap()), ["Api"]);
    }

    #[test]
    fn a_cycle_is_an_error_naming_its_stacks() {
        let items = [
            s("First", &[]),
            s("Api", &["Data"]),
            s("Data", &["Keys"]),
            s("Keys", &["Api"]),
        ];
        let err = deployment_order(&items).unwrap_err();
        assert!(matches!(&err, Error::Cycle(ids) if ids == &["Api", "Data", "Keys", "Api"]));
        assert_eq!(
            err.to_string(),
            "stacks depend on each other in a cycle: Api -> Data -> Keys -> Api; move the shared resources into one stack"
        );
    }

    #[test]
    fn a_stack_behind_a_cycle_names_the_cycle_only() {
        let items = [s("Late", &["A"]), s("A", &["B"]), s("B", &["A"])];
        let err = deployment_order(&items).unwrap_err();
        assert!(
            matches!(&err, Error::Cycle(ids) if ids == &["A", "B", "A"]),
            "{err}"
        );
    }
}
