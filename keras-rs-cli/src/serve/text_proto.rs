//! The protobuf text format of TensorFlow Serving's configuration files, as far as they are
//! read here: `--model_config_file` (a `ModelServerConfig` with a `model_config_list`) and
//! `--batching_parameters_file` (a `BatchingParameters`).

use std::collections::BTreeMap;

/// A parsed message: each field name with its values in file order (fields may repeat).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Message {
    /// `(name, value)` in file order.
    pub fields: Vec<(String, Field)>,
}

/// A field's value: a scalar (number, identifier or string, unquoted) or a nested message.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `name: value`.
    Scalar(String),
    /// `name { ... }`.
    Message(Message),
}

impl Message {
    /// Every value of field `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |(n, _)| n == name).map(|(_, v)| v)
    }

    /// The scalar field `name`, if present.
    pub fn scalar<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).find_map(|f| match f {
            Field::Scalar(s) => Some(s.as_str()),
            Field::Message(_) => None,
        })
    }

    /// The message field `name`, if present.
    pub fn message<'a>(&'a self, name: &'a str) -> Option<&'a Message> {
        self.all(name).find_map(|f| match f {
            Field::Message(m) => Some(m),
            Field::Scalar(_) => None,
        })
    }

    /// Refuses a field not in `known`: a setting this server does not implement is an error,
    /// not silently a different server.
    pub fn only(&self, what: &str, known: &[&str]) -> Result<(), String> {
        match self.fields.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            Some((name, _)) => {
                Err(format!("{what}: field `{name}` is not supported by keras-rs serve (it reads {known:?})"))
            }
            None => Ok(()),
        }
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Colon,
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() || c == ',' || c == ';' => {
                chars.next();
            }
            '#' => while chars.next().is_some_and(|c| c != '\n') {},
            ':' => {
                chars.next();
                out.push(Token::Colon);
            }
            '{' | '<' => {
                chars.next();
                out.push(Token::Open);
            }
            '}' | '>' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => s.extend(chars.next()),
                        Some(q) if q == c => break,
                        Some(ch) => s.push(ch),
                        None => return Err("unterminated string".into()),
                    }
                }
                out.push(Token::Text(s));
            }
            c if c.is_alphanumeric() || "_-+.".contains(c) => {
                let mut s = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || "_-+.".contains(**c)) {
                    s.push(c);
                    chars.next();
                }
                out.push(Token::Ident(s));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

/// Parses a text-format message.
pub fn parse(text: &str) -> Result<Message, String> {
    let tokens = tokens(text)?;
    let mut pos = 0;
    let message = parse_fields(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err("unbalanced '}'".into());
    }
    Ok(message)
}

fn parse_fields(tokens: &[Token], pos: &mut usize) -> Result<Message, String> {
    let mut message = Message::default();
    while let Some(token) = tokens.get(*pos) {
        let name = match token {
            Token::Close => break,
            Token::Ident(name) => name.clone(),
            other => return Err(format!("expected a field name, found {other:?}")),
        };
        *pos += 1;
        if tokens.get(*pos) == Some(&Token::Colon) {
            *pos += 1;
        }
        let value = match tokens.get(*pos) {
            Some(Token::Open) => {
                *pos += 1;
                let inner = parse_fields(tokens, pos)?;
                if tokens.get(*pos) != Some(&Token::Close) {
                    return Err(format!("field `{name}`: missing '}}'"));
                }
                *pos += 1;
                Field::Message(inner)
            }
            Some(Token::Ident(v) | Token::Text(v)) => {
                *pos += 1;
                Field::Scalar(v.clone())
            }
            _ => return Err(format!("field `{name}` has no value")),
        };
        message.fields.push((name, value));
    }
    Ok(message)
}

/// One model of a `--model_config_file`: its name and base path.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// The name requests use (`/v1/models/{name}`).
    pub name: String,
    /// The folder holding its version folders (or one `.keras` file).
    pub base_path: String,
}

/// The models of a TF Serving `ModelServerConfig` text file.
pub fn model_config_list(text: &str) -> Result<Vec<ModelConfig>, String> {
    let root = parse(text)?;
    root.only("ModelServerConfig", &["model_config_list"])?;
    let list = root.message("model_config_list").ok_or("the file has no `model_config_list`")?;
    list.only("model_config_list", &["config"])?;
    let mut models = Vec::new();
    for config in list.all("config") {
        let Field::Message(config) = config else { return Err("`config` must be a message".into()) };
        config.only("config", &["name", "base_path", "model_platform"])?;
        if let Some(platform) = config.scalar("model_platform").filter(|p| *p != "tensorflow" && *p != "keras") {
            return Err(format!("config: model_platform '{platform}' is not served (keras-rs serves .keras models)"));
        }
        let name = config.scalar("name").ok_or("a `config` without `name`")?.to_string();
        let base_path = config.scalar("base_path").ok_or(format!("model '{name}' has no `base_path`"))?.to_string();
        models.push(ModelConfig { name, base_path });
    }
    if models.is_empty() {
        return Err("`model_config_list` lists no model".into());
    }
    Ok(models)
}

/// `--batching_parameters_file`: TF Serving's `BatchingParameters` (each value is a wrapped
/// number: `max_batch_size { value: 128 }`).
pub fn batching_parameters(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let root = parse(text)?;
    let known = [
        "max_batch_size",
        "batch_timeout_micros",
        "num_batch_threads",
        "max_enqueued_batches",
        "pad_variable_length_inputs",
    ];
    root.only("BatchingParameters", &known)?;
    let mut values = BTreeMap::new();
    for (name, field) in &root.fields {
        let value = match field {
            Field::Message(m) => m.scalar("value"),
            Field::Scalar(s) => Some(s.as_str()),
        };
        let value = value.ok_or(format!("`{name}` has no value"))?;
        let number = match value {
            "true" => 1,
            "false" => 0,
            v => v.parse::<u64>().map_err(|_| format!("`{name}`: expected a non-negative integer, found '{v}'"))?,
        };
        values.insert(name.clone(), number);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tf_serving_model_config_files() {
        let text = r#"
            # two models
            model_config_list {
              config {
                name: 'mnist'
                base_path: "/models/mnist"
                model_platform: "tensorflow"
              }
              config: { name: "mlp", base_path: "/models/mlp" }
            }"#;
        let models = model_config_list(text).unwrap();
        assert_eq!(models[0], ModelConfig { name: "mnist".into(), base_path: "/models/mnist".into() });
        assert_eq!(models[1].name, "mlp");
        let err = model_config_list(
            "model_config_list { config { name: 'a' base_path: '/a' model_version_policy { all {} } } }",
        )
        .unwrap_err();
        assert!(err.contains("model_version_policy"), "{err}");
        assert!(model_config_list("model_config_list { config { name: 'a' ").is_err());
    }

    #[test]
    fn reads_batching_parameters() {
        let p = batching_parameters("max_batch_size { value: 64 }\nbatch_timeout_micros { value: 2000 }").unwrap();
        assert_eq!((p["max_batch_size"], p["batch_timeout_micros"]), (64, 2000));
        assert!(batching_parameters("allowed_batch_sizes: 8").is_err());
    }
}
