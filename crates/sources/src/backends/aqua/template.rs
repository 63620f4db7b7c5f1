//! The Go-template subset aqua definitions use, and aqua's version
//! constraint expressions.

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::version::{Constraint, Release, Version};

/// The values a template may use.
pub(crate) struct Vars<'a> {
    pub(crate) version: &'a str,
    pub(crate) semver: &'a str,
    pub(crate) os: &'a str,
    pub(crate) arch: &'a str,
    pub(crate) format: &'a str,
    pub(crate) asset: &'a str,
}

/// Renders a Go template of the subset aqua definitions use.
pub(crate) fn render(template: &str, vars: &Vars) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .ok_or_else(|| anyhow!("`{template}` has an unclosed `{{{{`"))?;
        let expr = rest[start + 2..start + end].trim().trim_matches('-').trim();
        out.push_str(
            &eval(expr, vars)
                .with_context(|| format!("cannot render the template `{template}`"))?,
        );
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Words and quoted strings of one pipeline stage.
fn tokens(stage: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = stage.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::from("\"");
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => s.extend(chars.next()),
                    Some(c) => s.push(c),
                    None => bail!("a string is not closed"),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn value(token: &str, vars: &Vars) -> Result<String> {
    if let Some(s) = token.strip_prefix('"') {
        return Ok(s.to_string());
    }
    Ok(match token {
        ".Version" => vars.version,
        ".SemVer" => vars.semver,
        ".OS" => vars.os,
        ".Arch" => vars.arch,
        ".Format" => vars.format,
        ".Asset" => vars.asset,
        other => bail!("`{other}` is not a value devenv knows"),
    }
    .to_string())
}

fn eval(expr: &str, vars: &Vars) -> Result<String> {
    let mut piped: Option<String> = None;
    for stage in expr.split('|') {
        let toks = tokens(stage)?;
        let Some((head, args)) = toks.split_first() else {
            bail!("an empty expression");
        };
        let mut values = args
            .iter()
            .map(|a| value(a, vars))
            .collect::<Result<Vec<_>>>()?;
        values.extend(piped.take());
        let result = if head.starts_with('.') || head.starts_with('"') {
            value(head, vars)?
        } else {
            call(head, &values)?
        };
        piped = Some(result);
    }
    Ok(piped.unwrap_or_default())
}

fn call(function: &str, args: &[String]) -> Result<String> {
    let arg = |i: usize| -> Result<&str> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| anyhow!("`{function}` needs {} arguments", i + 1))
    };
    Ok(match function {
        "trimV" => arg(0)?.strip_prefix('v').unwrap_or(arg(0)?).to_string(),
        "trimPrefix" => arg(1)?.strip_prefix(arg(0)?).unwrap_or(arg(1)?).to_string(),
        "trimSuffix" => arg(1)?.strip_suffix(arg(0)?).unwrap_or(arg(1)?).to_string(),
        "title" => {
            let s = arg(0)?;
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        "lower" => arg(0)?.to_lowercase(),
        "upper" => arg(0)?.to_uppercase(),
        "replace" => arg(2)?.replace(arg(0)?, arg(1)?),
        other => bail!("the template function `{other}` is not supported"),
    })
}

/// Whether an aqua version constraint expression holds for the release
/// tagged `tag` whose semantic version is `semver`.
pub(crate) fn constraint_holds(expr: &str, tag: &str, semver: &str) -> bool {
    expr.split("||").any(|any| {
        any.split("&&").all(|term| {
            let term = term.trim();
            if term == "true" {
                return true;
            }
            if term == "false" {
                return false;
            }
            if let Some(inner) = term
                .strip_prefix("semver(\"")
                .and_then(|t| t.strip_suffix("\")"))
            {
                return semver_holds(inner, semver);
            }
            for (op, want) in [("==", true), ("!=", false)] {
                if let Some((l, r)) = term.split_once(op)
                    && l.trim() == "Version"
                {
                    let r = r.trim().trim_matches('"');
                    return (r == tag) == want;
                }
            }
            false
        })
    })
}

/// `>= 1.2.0, < 2` (Masterminds syntax) through devenv's grammar.
fn semver_holds(range: &str, semver: &str) -> bool {
    let normalized: String = range
        .split(',')
        .map(|c| c.replace(' ', ""))
        .collect::<Vec<_>>()
        .join(",");
    let Ok(c) = normalized.parse::<Constraint>() else {
        return false;
    };
    let Some(v) = Version::parse(
        devenv_model::version::Scheme::Semver,
        semver.trim_start_matches('v'),
    ) else {
        return false;
    };
    c.select(&[Release::new(v)]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_constraints() {
        let vars = Vars {
            version: "v1.2.3",
            semver: "v1.2.3",
            os: "darwin",
            arch: "arm64",
            format: "zip",
            asset: "a.zip",
        };
        assert_eq!(
            render(
                "{{title .OS}}-{{.Version | trimV}}-{{trimPrefix \"v\" .Version}}-{{.Asset}}",
                &vars
            )
            .unwrap(),
            "Darwin-1.2.3-1.2.3-a.zip"
        );
        let err = format!("{:#}", render("{{.Nope}}", &vars).unwrap_err());
        assert!(err.contains("`.Nope`"), "{err}");
        assert!(constraint_holds("semver(\">= 1.0.0\")", "v1.2.3", "1.2.3"));
        assert!(!constraint_holds("semver(\"< 1.0.0\")", "v1.2.3", "1.2.3"));
        assert!(constraint_holds("Version == \"v1.2.3\"", "v1.2.3", "1.2.3"));
        assert!(constraint_holds("false || true", "v1", "1"));
        assert!(!constraint_holds("someFunc(Version)", "v1", "1"));
    }
}
