//! What every model file has in common: its metadata ([`ModelInfo`]), the errors a
//! malformed file is refused with ([`ModelFileError`]), and a small reader that walks a
//! parsed JSON document field by field so that every refusal names the file and the field.
//!
//! The stress model ([`crate::models::stress`]) and the risk model ([`crate::models::risk`]) each keep
//! their parameters in one JSON file under `assets/models/`; `docs/models.md` documents
//! both formats. A file is read in two steps: the text is parsed into a JSON value
//! (syntax errors carry their line and column), then each field is taken out by name and
//! type-checked, so a wrong type, a missing field, an unknown field or an out-of-range value
//! is reported with its full path, e.g. ``field `age.coefficient`: expected a number``.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who made a model and how much to trust it; shown next to every figure the model
/// produces and exported with the results.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    /// Short name shown in menus and exports, e.g. `"HU-ratio/PBQ nomogram (reconstructed)"`.
    pub name: String,
    /// Version of this parameter set (free text, e.g. `"1.0"`).
    pub version: String,
    /// The publication or data set the model follows.
    pub source: String,
    /// Plain-words account of where the numbers came from and what they may be used for.
    pub provenance: String,
}

/// Why a model file was refused. Every message names the field (where there is one) and
/// ends with the file, so a user can find and fix the problem.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file could not be read at all.
    #[error("cannot read the model file: {error} ({file})")]
    Io {
        /// The file as given by the caller.
        file: String,
        /// The underlying I/O error.
        error: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("not valid JSON: {message} at line {line}, column {column} (model file {file})")]
    Syntax {
        /// The file as given by the caller.
        file: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser found wrong.
        message: String,
    },
    /// A required field is absent.
    #[error("field `{field}` is missing (model file {file})")]
    MissingField {
        /// The file as given by the caller.
        file: String,
        /// Dotted path of the field, e.g. `hu_ratio.axis_min`.
        field: String,
    },
    /// A field holds the wrong kind of JSON value.
    #[error("field `{field}`: expected {expected}, found {found} (model file {file})")]
    WrongType {
        /// The file as given by the caller.
        file: String,
        /// Dotted path of the field.
        field: String,
        /// What the field must hold, e.g. `"a number"`.
        expected: &'static str,
        /// What it holds instead, e.g. `"the string \"abc\""`.
        found: String,
    },
    /// A field this format does not have (often a misspelling).
    #[error(
        "field `{field}` is not part of this format (expected one of: {expected}) (model file {file})"
    )]
    UnknownField {
        /// The file as given by the caller.
        file: String,
        /// Dotted path of the unexpected field.
        field: String,
        /// The fields allowed at that place, comma-separated.
        expected: String,
    },
    /// A number outside its meaningful range (negative modulus, Poisson ratio outside
    /// (0, 0.5), cutoff outside (0, 1), …).
    #[error("field `{field}`: {value} is out of range, expected {expected} (model file {file})")]
    OutOfRange {
        /// The file as given by the caller.
        file: String,
        /// Dotted path of the field.
        field: String,
        /// The value found.
        value: f64,
        /// The range it must lie in, in words.
        expected: String,
    },
    /// Any other invalid content (wrong `format`, unsupported `format_version`, …).
    #[error("field `{field}`: {message} (model file {file})")]
    Invalid {
        /// The file as given by the caller.
        file: String,
        /// Dotted path of the field.
        field: String,
        /// What is wrong, in words.
        message: String,
    },
}

impl ModelFileError {
    /// The file the error is about, as given by the caller.
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. }
            | Self::Syntax { file, .. }
            | Self::MissingField { file, .. }
            | Self::WrongType { file, .. }
            | Self::UnknownField { file, .. }
            | Self::OutOfRange { file, .. }
            | Self::Invalid { file, .. } => file,
        }
    }

    /// The dotted path of the field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Io { .. } | Self::Syntax { .. } => None,
            Self::MissingField { field, .. }
            | Self::WrongType { field, .. }
            | Self::UnknownField { field, .. }
            | Self::OutOfRange { field, .. }
            | Self::Invalid { field, .. } => Some(field),
        }
    }
}

/// Reads a model file into a string, naming the file on failure.
pub(crate) fn read_text(path: &Path) -> Result<String, ModelFileError> {
    std::fs::read_to_string(path).map_err(|error| ModelFileError::Io {
        file: path.display().to_string(),
        error,
    })
}

/// Parses model-file text into a JSON value; syntax errors carry line and column.
pub(crate) fn parse_json(text: &str, file: &str) -> Result<Value, ModelFileError> {
    serde_json::from_str::<Value>(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        // serde_json appends " at line L column C" itself; we report the position separately.
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        ModelFileError::Syntax {
            file: file.to_string(),
            line,
            column,
            message,
        }
    })
}

/// Describes a JSON value for a "found …" message, without echoing long strings in full.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            let ellipsis = if s.chars().count() > 40 { "…" } else { "" };
            format!("the string \"{short}{ellipsis}\"")
        }
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Walks one JSON object of a model file, taking fields out by name. Every error names
/// the file and the dotted path of the field; [`ObjectReader::finish`] refuses fields that
/// were never asked for, which is how unknown (usually misspelt) fields are caught.
pub(crate) struct ObjectReader<'a> {
    file: &'a str,
    path: String,
    map: &'a Map<String, Value>,
    used: Vec<&'static str>,
}

impl<'a> ObjectReader<'a> {
    /// Starts at the top level of a document, which must be an object.
    pub(crate) fn root(file: &'a str, value: &'a Value) -> Result<Self, ModelFileError> {
        let Value::Object(map) = value else {
            return Err(ModelFileError::WrongType {
                file: file.to_string(),
                field: "(top level)".to_string(),
                expected: "an object",
                found: describe(value),
            });
        };
        Ok(Self {
            file,
            path: String::new(),
            map,
            used: Vec::new(),
        })
    }

    /// The dotted path of `key` inside this object.
    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, or `None` when absent; marks the key as known either way.
    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.map.get(key)
    }

    /// The value of `key`, refusing a missing field.
    fn required(&mut self, key: &'static str) -> Result<&'a Value, ModelFileError> {
        match self.get(key) {
            Some(value) => Ok(value),
            None => Err(ModelFileError::MissingField {
                file: self.file.to_string(),
                field: self.path_of(key),
            }),
        }
    }

    /// A wrong-type error for `key`.
    fn wrong_type(&self, key: &str, expected: &'static str, found: &Value) -> ModelFileError {
        ModelFileError::WrongType {
            file: self.file.to_string(),
            field: self.path_of(key),
            expected,
            found: describe(found),
        }
    }

    /// A required number.
    pub(crate) fn number(&mut self, key: &'static str) -> Result<f64, ModelFileError> {
        let value = self.required(key)?;
        value
            .as_f64()
            .ok_or_else(|| self.wrong_type(key, "a number", value))
    }

    /// An optional number; absent and `null` both give `None`.
    pub(crate) fn optional_number(
        &mut self,
        key: &'static str,
    ) -> Result<Option<f64>, ModelFileError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(key, "a number or null", value)),
        }
    }

    /// A required whole number ≥ 0.
    pub(crate) fn unsigned(&mut self, key: &'static str) -> Result<u64, ModelFileError> {
        let value = self.required(key)?;
        value
            .as_u64()
            .ok_or_else(|| self.wrong_type(key, "a whole number", value))
    }

    /// A required string.
    pub(crate) fn string(&mut self, key: &'static str) -> Result<String, ModelFileError> {
        let value = self.required(key)?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong_type(key, "a string", value))
    }

    /// A required nested object.
    pub(crate) fn object(&mut self, key: &'static str) -> Result<ObjectReader<'a>, ModelFileError> {
        let value = self.required(key)?;
        let Value::Object(map) = value else {
            return Err(self.wrong_type(key, "an object", value));
        };
        Ok(ObjectReader {
            file: self.file,
            path: self.path_of(key),
            map,
            used: Vec::new(),
        })
    }

    /// The `info` block every model file carries.
    pub(crate) fn model_info(&mut self) -> Result<ModelInfo, ModelFileError> {
        let mut info = self.object("info")?;
        let parsed = ModelInfo {
            name: info.string("name")?,
            version: info.string("version")?,
            source: info.string("source")?,
            provenance: info.string("provenance")?,
        };
        info.finish()?;
        Ok(parsed)
    }

    /// Checks the `format` and `format_version` fields every model file starts with.
    pub(crate) fn format_header(
        &mut self,
        format: &'static str,
        newest_version: u64,
    ) -> Result<(), ModelFileError> {
        let found = self.string("format")?;
        if found != format {
            return Err(self.invalid(
                "format",
                format!("expected \"{format}\", found \"{found}\" (is this the right kind of model file?)"),
            ));
        }
        let version = self.unsigned("format_version")?;
        if version == 0 || version > newest_version {
            return Err(self.invalid(
                "format_version",
                format!(
                    "version {version} is not supported (this program reads versions 1 to {newest_version})"
                ),
            ));
        }
        Ok(())
    }

    /// An out-of-range error for `key`.
    pub(crate) fn out_of_range(&self, key: &str, value: f64, expected: &str) -> ModelFileError {
        ModelFileError::OutOfRange {
            file: self.file.to_string(),
            field: self.path_of(key),
            value,
            expected: expected.to_string(),
        }
    }

    /// A free-text error for `key`.
    pub(crate) fn invalid(&self, key: &str, message: String) -> ModelFileError {
        ModelFileError::Invalid {
            file: self.file.to_string(),
            field: self.path_of(key),
            message,
        }
    }

    /// Refuses any field that was never asked for.
    pub(crate) fn finish(self) -> Result<(), ModelFileError> {
        // serde_json's map iterates in key order, so the first unknown field reported is
        // deterministic.
        if let Some(key) = self.map.keys().find(|k| !self.used.contains(&k.as_str())) {
            return Err(ModelFileError::UnknownField {
                file: self.file.to_string(),
                field: self.path_of(key),
                expected: self.used.join(", "),
            });
        }
        Ok(())
    }
}

/// Checks that a number lies strictly above zero.
pub(crate) fn require_positive(
    reader: &ObjectReader<'_>,
    key: &str,
    value: f64,
) -> Result<f64, ModelFileError> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(reader.out_of_range(key, value, "a number greater than 0"))
    }
}

/// Checks that a number is `min` or more.
pub(crate) fn require_at_least(
    reader: &ObjectReader<'_>,
    key: &str,
    value: f64,
    min: f64,
) -> Result<f64, ModelFileError> {
    if value >= min && value.is_finite() {
        Ok(value)
    } else {
        Err(reader.out_of_range(key, value, &format!("a number of at least {min}")))
    }
}

/// Checks that a number lies strictly between `low` and `high`.
pub(crate) fn require_open_range(
    reader: &ObjectReader<'_>,
    key: &str,
    value: f64,
    low: f64,
    high: f64,
) -> Result<f64, ModelFileError> {
    if value > low && value < high {
        Ok(value)
    } else {
        Err(reader.out_of_range(
            key,
            value,
            &format!("a number strictly between {low} and {high}"),
        ))
    }
}

/// Formats a number for a message: at most `max_decimals` decimals, trailing zeros dropped
/// but at least `min_decimals` kept (`6.0`, `6.5`, `3.25` with 2 and 1).
pub(crate) fn format_number(value: f64, max_decimals: usize, min_decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{value:.max_decimals$}");
    let Some(dot) = text.find('.') else {
        return text;
    };
    let keep = dot + 1 + min_decimals;
    let trimmed = text.trim_end_matches('0');
    let end = trimmed.len().max(keep).min(text.len());
    let out = text.get(..end).unwrap_or(&text);
    let out = out.strip_suffix('.').unwrap_or(out);
    if out == "-0" {
        "0".to_string()
    } else {
        out.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_are_formatted_compactly() {
        assert_eq!(format_number(6.0, 2, 1), "6.0");
        assert_eq!(format_number(6.5, 2, 1), "6.5");
        assert_eq!(format_number(3.25, 2, 1), "3.25");
        assert_eq!(format_number(95.0, 3, 0), "95");
        assert_eq!(format_number(0.8, 3, 0), "0.8");
        assert_eq!(format_number(-0.0001, 3, 0), "0");
    }
}
