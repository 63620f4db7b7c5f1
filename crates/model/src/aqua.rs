//! Aqua registry files: the package definition types and where
//! registries come from (built in, project files, URLs).

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The built-in registry: package definitions written for devenv in aqua's
/// format (see the file's header for how a full snapshot is added).
pub const BUILTIN: &str = include_str!("aqua-registry.yaml");

/// The largest registry file read.
pub const MAX_REGISTRY_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting a registry file may have. aqua's own registry nests
/// about ten levels; the YAML parser takes quadratic time on deep nesting
/// (a 234 KiB file of `[` took over 30 s of CPU), so depth is checked by a
/// linear scan before the parser sees the text.
pub const MAX_REGISTRY_DEPTH: usize = 64;

/// The nesting depth of YAML `text` as far as it matters for parsing cost:
/// block indentation levels, `- ` entries started on one line, and flow
/// collections (`[`, `{`) outside quotes and comments. Stops counting, and
/// answers, as soon as `limit` is passed.
pub fn yaml_depth(text: &str, limit: usize) -> usize {
    // Where a `[`, `{` or quote opens a collection or a quoted scalar
    // (elsewhere they are part of a plain scalar: `asset: x[1]`).
    let opens = |p: char| matches!(p, '\n' | ':' | '-' | ',' | '[' | '{' | '?');
    let mut deepest = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    // The indentation of a key whose value is a block scalar (`|`, `>`):
    // lines indented deeper are text, not structure.
    let mut scalar_of: Option<usize> = None;
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let structural = flow == 0 && quote.is_none();
        if structural {
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            match scalar_of {
                Some(i) if indent > i => continue,
                _ => scalar_of = None,
            }
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut dashes = 0;
        let mut at_start = structural;
        let mut prev = if structural { '\n' } else { ',' };
        let mut spaced = true;
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                if q == '"' && c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                    prev = c;
                }
                spaced = false;
                continue;
            }
            match c {
                ' ' | '\t' => {
                    spaced = true;
                    continue;
                }
                '#' if spaced => break,
                '-' if at_start && chars.peek().is_none_or(|n| *n == ' ') => {
                    // `- - [x]`: each entry marker nests, and the line
                    // still starts after it.
                    dashes += 1;
                    spaced = false;
                    continue;
                }
                '"' | '\'' if opens(prev) => quote = Some(c),
                '[' | '{' if flow > 0 || opens(prev) => flow += 1,
                ']' | '}' if flow > 0 => flow -= 1,
                _ => {}
            }
            at_start = false;
            spaced = false;
            prev = c;
            deepest = deepest.max(indents.len() + dashes + flow);
            if deepest > limit {
                return deepest;
            }
        }
        let end = body.split(" #").next().unwrap_or("").trim_end();
        let indicator = end.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
        if flow == 0
            && quote.is_none()
            && (indicator.ends_with(": |")
                || indicator.ends_with(": >")
                || indicator.ends_with("- |")
                || indicator.ends_with("- >"))
        {
            scalar_of = Some(indent);
        }
        deepest = deepest.max(indents.len() + dashes + flow);
    }
    deepest
}

/// A `registry.yaml`.
#[derive(Debug, Clone, Deserialize)]
struct RegistryFile {
    #[serde(default)]
    packages: Vec<Package>,
}

/// One package definition.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Package {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) repo_owner: Option<String>,
    #[serde(default)]
    pub(crate) repo_name: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) search_words: Vec<String>,
    #[serde(default)]
    pub(crate) aliases: Vec<Alias>,
    #[serde(default)]
    pub version_prefix: Option<String>,
    #[serde(default)]
    pub version_constraint: Option<String>,
    #[serde(default)]
    pub version_overrides: Vec<VersionOverride>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// Another name of a package.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Alias {
    pub(crate) name: String,
}

/// The fields that version overrides and platform overrides may replace.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Fields {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub files: Option<Vec<FileDef>>,
    #[serde(default)]
    pub replacements: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub overrides: Option<Vec<Override>>,
    #[serde(default)]
    pub supported_envs: Option<Vec<String>>,
    #[serde(default)]
    pub checksum: Option<Checksum>,
    #[serde(default)]
    pub rosetta2: Option<bool>,
    #[serde(default)]
    pub no_asset: Option<bool>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// A `version_overrides` item.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct VersionOverride {
    #[serde(default)]
    pub version_constraint: Option<String>,
    #[serde(default)]
    pub version_prefix: Option<String>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// An `overrides` item: fields for one OS and/or CPU.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Override {
    #[serde(default)]
    pub goos: Option<String>,
    #[serde(default)]
    pub goarch: Option<String>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// A command inside the artifact.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct FileDef {
    pub name: String,
    #[serde(default)]
    pub src: Option<String>,
}

/// Where the checksum of the asset is published.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Checksum {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub algorithm: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl Fields {
    /// `self` with every field `top` sets replaced.
    pub fn overlay(&self, top: &Fields) -> Fields {
        Fields {
            kind: top.kind.clone().or_else(|| self.kind.clone()),
            asset: top.asset.clone().or_else(|| self.asset.clone()),
            url: top.url.clone().or_else(|| self.url.clone()),
            format: top.format.clone().or_else(|| self.format.clone()),
            files: top.files.clone().or_else(|| self.files.clone()),
            replacements: top
                .replacements
                .clone()
                .or_else(|| self.replacements.clone()),
            overrides: top.overrides.clone().or_else(|| self.overrides.clone()),
            supported_envs: top
                .supported_envs
                .clone()
                .or_else(|| self.supported_envs.clone()),
            checksum: top.checksum.clone().or_else(|| self.checksum.clone()),
            rosetta2: top.rosetta2.or(self.rosetta2),
            no_asset: top.no_asset.or(self.no_asset),
            error_message: top
                .error_message
                .clone()
                .or_else(|| self.error_message.clone()),
        }
    }
}

impl Package {
    /// `owner/name`: the `name` field, else `repo_owner/repo_name`.
    pub fn full_name(&self) -> String {
        match (&self.name, &self.repo_owner, &self.repo_name) {
            (Some(n), _, _) => n.clone(),
            (None, Some(o), Some(r)) => format!("{o}/{r}"),
            _ => String::new(),
        }
    }

    /// The command-like short name: the last part of the full name.
    pub fn short_name(&self) -> String {
        let full = self.full_name();
        full.rsplit('/').next().unwrap_or(&full).to_string()
    }

    /// `owner/repo` whose GitHub releases list the versions.
    pub fn repo(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.repo_owner.as_deref()?,
            self.repo_name.as_deref()?
        ))
    }
}

/// Aqua package definitions, searched in order (first match wins).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub packages: Vec<Package>,
}

impl Registry {
    /// The built-in registry (parsed once per process).
    pub fn builtin() -> Registry {
        static PARSED: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        PARSED
            .get_or_init(|| {
                // Said so `-v` shows (and the tests prove) which commands
                // pay for it: never exec, hook-env or lock --frozen.
                crate::ui::verbose("parsing the built-in aqua registry");
                Registry::parse(BUILTIN, "the built-in aqua registry")
                    .expect("src/aqua-registry.yaml is a valid registry")
            })
            .clone()
    }

    /// Parses registry YAML read from `origin` (named in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Registry> {
        if text.len() > MAX_REGISTRY_BYTES {
            bail!("{origin} is larger than {MAX_REGISTRY_BYTES} bytes; it is not a registry");
        }
        if yaml_depth(text, MAX_REGISTRY_DEPTH) > MAX_REGISTRY_DEPTH {
            bail!(
                "{origin} nests deeper than {MAX_REGISTRY_DEPTH} levels; it is not a registry (aqua's own nests about ten)"
            );
        }
        let file: RegistryFile = serde_yaml_ng::from_str(text)
            .map_err(|e| anyhow!("{origin} is not an aqua registry: {e}"))?;
        let packages: Vec<Package> = file
            .packages
            .into_iter()
            .filter(|p| !p.full_name().is_empty())
            .collect();
        for p in &packages {
            let kind = p.fields.kind.as_deref().unwrap_or("");
            if !matches!(kind, "github_release" | "http") {
                continue;
            }
            if kind == "http" && p.fields.url.is_none() && p.version_overrides.is_empty() {
                bail!(
                    "{origin}: package {} has type http but no url",
                    p.full_name()
                );
            }
        }
        Ok(Registry { packages })
    }

    /// The package named `name`: its full name (`cli/cli`), or an alias.
    pub fn find(&self, name: &str) -> Option<&Package> {
        self.packages
            .iter()
            .find(|p| p.full_name() == name)
            .or_else(|| {
                self.packages
                    .iter()
                    .find(|p| p.aliases.iter().any(|a| a.name == name))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_measured_before_parsing() {
        let builtin = yaml_depth(BUILTIN, MAX_REGISTRY_DEPTH);
        assert!((3..=12).contains(&builtin), "{builtin}");
        let registry = "packages:\n  - type: github_release\n    repo_owner: a\n    repo_name: b\n    asset: b-{{.OS}}[x].tgz # [\n    files:\n      - name: b\n        src: \"b-[{{.Version}}\"\n    description: |\n      [[[[ text, not structure\n      {{{{\n    overrides: [{goos: darwin, replacements: {amd64: x86_64}}]\n";
        assert_eq!(yaml_depth(registry, 64), 6, "{registry}");
        let flow = format!("packages: {}{}", "[".repeat(120_000), "]".repeat(120_000));
        assert_eq!(yaml_depth(&flow, 64), 65, "stops counting past the limit");
        let dashes = format!("packages:\n{}x\n", "- ".repeat(100));
        assert!(yaml_depth(&dashes, 64) > 64);
        let indented: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(yaml_depth(&indented, 64) > 64);
        let err = Registry::parse(&flow, "reg.yaml").unwrap_err().to_string();
        assert_eq!(
            err,
            "reg.yaml nests deeper than 64 levels; it is not a registry (aqua's own nests about ten)"
        );
    }
}
