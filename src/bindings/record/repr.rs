//! How records show themselves: a short `repr()` and an HTML table for notebooks.

use super::Record;
use crate::models;
use crate::payload::JsonType;
use crate::record::Found;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

/// Nested records in the HTML table expand this many levels deep.
const HTML_DEPTH: usize = 3;
/// Lists in the HTML table show this many items.
const HTML_ITEMS: usize = 25;

/// A value as shown inside a record's `repr`: strings cut at 40 characters, nested
/// records inline when short.
fn short_repr(v: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = v.py();
    if v.is_none() {
        return Ok(None);
    }
    Ok(Some(match v.cast::<PyString>() {
        Ok(s) => {
            let s = s.to_string_lossy();
            let short: String = s.chars().take(40).collect();
            let ellipsis = if short.len() < s.len() { "…" } else { "" };
            format!(
                "{}{ellipsis}",
                PyString::new(py, &short).repr()?.to_string_lossy()
            )
        }
        Err(_) if v.is_instance_of::<Record>() => {
            let text = v.repr()?.to_string_lossy().into_owned();
            if text.chars().count() <= 60 {
                text
            } else {
                format!("<{}>", v.get_type().name()?)
            }
        }
        Err(_) => v.repr()?.to_string_lossy().into_owned(),
    }))
}

pub(super) fn repr(this: &Record, py: Python<'_>) -> PyResult<String> {
    let mut parts = Vec::new();
    for name in this.kind.repr_fields() {
        let key = PyString::new(py, name);
        let Some(v) = this.field(py, &key)? else {
            continue;
        };
        if let Some(text) = short_repr(v.bind(py))? {
            parts.push(format!("{name}={text}"));
        }
    }
    if parts.is_empty() {
        // Nothing identifying: show the first two scalar fields instead.
        for m in this.view()?.fields.members() {
            if parts.len() == 2 {
                break;
            }
            if matches!(
                this.doc.json_type(&m.value()),
                JsonType::Object | JsonType::Array | JsonType::Null
            ) {
                continue;
            }
            let v = this.read(py, m)?;
            if let Some(text) = short_repr(v.bind(py))? {
                parts.push(format!("{}={text}", models::to_snake_case(this.doc.key(m))));
            }
        }
    }
    Ok(format!("{}({})", this.kind.class_name(), parts.join(", ")))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One cell: nested records expand (`<details>`), lists show their items, long text wraps
/// in a scrollable box; everything is escaped.
fn cell(v: &Bound<'_, PyAny>, depth: usize) -> PyResult<String> {
    let py = v.py();
    if let Ok(r) = v.cast::<Record>() {
        let summary = escape(&v.repr()?.to_string_lossy());
        if depth >= HTML_DEPTH {
            return Ok(format!("<code>{summary}</code>"));
        }
        return Ok(format!(
            "<details><summary><code>{summary}</code></summary>{}</details>",
            html(r.get(), py, depth + 1)?
        ));
    }
    if let Ok(list) = v.cast::<PyList>() {
        if list.is_empty() {
            return Ok("<code>[]</code>".to_owned());
        }
        if depth >= HTML_DEPTH {
            return Ok(format!("<code>list of {}</code>", list.len()));
        }
        let mut items = String::new();
        for item in list.iter().take(HTML_ITEMS) {
            items.push_str(&format!("<li>{}</li>", cell(&item, depth + 1)?));
        }
        let more = list.len().saturating_sub(HTML_ITEMS);
        if more > 0 {
            items.push_str(&format!("<li>… {more} more</li>"));
        }
        return Ok(format!(
            "<details{}><summary>list of {}</summary><ol start=\"0\" style=\"margin:0\">{items}</ol></details>",
            if depth == 0 && list.len() <= 3 { " open" } else { "" },
            list.len()
        ));
    }
    if let Ok(s) = v.cast::<PyString>() {
        let text = s.to_string_lossy();
        return Ok(format!(
            "<div style=\"white-space:pre-wrap;max-height:12em;overflow:auto;max-width:60em\">{}</div>",
            escape(&text)
        ));
    }
    Ok(format!(
        "<code>{}</code>",
        escape(&v.repr()?.to_string_lossy())
    ))
}

/// The fields as an HTML table, under the original library's names where it had one
/// (`customer`, `owner`, `threads` as the list), then every other member of the payload.
pub(super) fn html(this: &Record, py: Python<'_>, depth: usize) -> PyResult<String> {
    let view = this.view()?;
    let mut rows = String::new();
    let mut shown_spans = Vec::new();
    let mut count = 0;
    let mut row = |name: &str, v: &Bound<'_, PyAny>| -> PyResult<()> {
        count += 1;
        rows.push_str(&format!(
            "<tr><th style=\"text-align:left;vertical-align:top\">{}</th><td style=\"text-align:left\">{}</td></tr>",
            escape(name),
            cell(v, depth)?
        ));
        Ok(())
    };
    // The original's names that reach into the payload under another key.
    for name in this.kind.declared_names() {
        if this.kind.alias(name).is_none() {
            continue;
        }
        let own = view.fields.by_snake(view.doc, name).map(|m| m.value());
        if let Found::Value { span, .. } = view.find(name)? {
            if own.as_ref() == Some(&span) {
                continue; // the payload's own key: shown below under it
            }
            shown_spans.push(span);
            if let Some(v) = this.field(py, &PyString::new(py, name))? {
                row(name, v.bind(py))?;
            }
        }
    }
    for m in view.fields.members() {
        let key = this.doc.key(m);
        let inside_shown = shown_spans
            .iter()
            .any(|s| s.start >= m.value().start && s.end <= m.value().end);
        // `_embedded` and keys an original name already showed (`primaryCustomer`).
        if inside_shown && (key == "_embedded" || shown_spans.contains(&m.value())) {
            continue;
        }
        let v = this.read(py, m)?;
        row(&models::to_snake_case(key), v.bind(py))?;
    }
    if let Some(a) = this.assigned_dict(py) {
        for (k, v) in a.iter() {
            row(&format!("{} (assigned)", k.str()?.to_string_lossy()), &v)?;
        }
    }
    Ok(format!(
        "<table><caption style=\"text-align:left\"><b>{}</b>, {count} field(s)</caption>{rows}</table>",
        this.kind.class_name(),
    ))
}
