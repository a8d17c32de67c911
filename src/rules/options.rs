//! Rule options: each rule declares a serde type whose `Default` is its defaults;
//! `.govern.yaml` overrides keys of it, and the rule reads the typed value.
//!
//! Unknown keys and values of the wrong type are errors that say which option, with the
//! JSON pointer of the key (below `options`) so that the config reader can name its line.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A rule's options: defaults, and reading `.govern.yaml` values into the rule's own type.
pub trait RuleOptions: Sync {
    /// The defaults, as a JSON object.
    fn defaults(&self) -> Value;
    /// Reads merged options (defaults overlaid with the configuration) into the rule's type.
    /// Errors: (JSON pointer below `options`, message).
    fn read(&self, merged: Value) -> Result<Options, (String, String)>;
}

/// The [`RuleOptions`] of the serde type `T`, whose `Default` gives the defaults. A rule
/// declares `options: &Typed::<MyOptions>::NEW` and reads `ctx.options::<MyOptions>()`.
pub struct Typed<T>(PhantomData<fn() -> T>);

impl<T> Typed<T> {
    /// The value to take a `'static` reference of.
    pub const NEW: Typed<T> = Typed(PhantomData);
}

impl<T> RuleOptions for Typed<T>
where
    T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
{
    fn defaults(&self) -> Value {
        serde_json::to_value(T::default()).expect("options serialize to JSON")
    }

    fn read(&self, merged: Value) -> Result<Options, (String, String)> {
        let typed: T = serde_path_to_error::deserialize(&merged).map_err(|e| {
            let pointer = crate::yaml::pointer_of(e.path());
            (pointer, e.into_inner().to_string())
        })?;
        Ok(Options {
            json: merged,
            typed: Arc::new(typed),
        })
    }
}

/// The options of a rule that has none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

/// [`RuleOptions`] for rules without options.
pub static NO_OPTIONS: Typed<NoOptions> = Typed::NEW;

/// A rule's effective options: the JSON (hashed into cache keys, shown by `explain`) and
/// the rule's typed value read from it.
#[derive(Clone)]
pub struct Options {
    /// Defaults overlaid with `.govern.yaml`, as JSON.
    pub json: Value,
    typed: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.json.fmt(f)
    }
}

impl Options {
    /// Options of no rule: an empty object (the settings of a rule outside the registry).
    pub fn none() -> Options {
        Options {
            json: Value::Object(Default::default()),
            typed: Arc::new(NoOptions {}),
        }
    }

    /// The typed value. A rule reads the type it declared in [`super::Rule::options`]; any
    /// other type is a bug in the rule, caught by the rule-docs test that runs every rule.
    pub fn get<T: 'static>(&self) -> &T {
        self.typed
            .downcast_ref()
            .expect("a rule reads the options type it declares")
    }
}

/// Reads a rule's options from `.govern.yaml`'s `given` value over its defaults: every key
/// must be one of the defaults', with the same JSON type. Errors: (pointer below
/// `options`, message naming the rule and the option).
pub fn read(
    id: &str,
    options: &dyn RuleOptions,
    given: Option<&Value>,
) -> Result<Options, (String, String)> {
    let mut merged = options.defaults();
    if let Some(given) = given {
        let Some(obj) = given.as_object() else {
            return Err((String::new(), format!("options of {id} must be a mapping")));
        };
        let target = merged.as_object_mut().expect("defaults are an object");
        for (k, v) in obj {
            let at = format!("/{}", crate::yaml::escape_token(k));
            match target.get(k) {
                None => {
                    let known: Vec<&String> = target.keys().collect();
                    return Err((at, format!("{id} has no option {k:?} (known: {known:?})")));
                }
                Some(d)
                    if std::mem::discriminant(d) != std::mem::discriminant(v) && !d.is_null() =>
                {
                    return Err((at, format!("option {k:?} of {id} must be {}", type_name(d))));
                }
                _ => {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    options
        .read(merged)
        .map_err(|(at, e)| (at.clone(), format!("option {at:?} of {id}: {e}")))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
