//! The validation walk over a parsed `devenv.toml`: every key and value is
//! checked where it stands, so each mistake carries its span.

use super::ProvenancePolicy;
use super::{
    EnvSpec, EnvValue, Manifest, ManifestError, RegistryTool, Request, Settings, Sha256Spec,
    ToolSpec, UrlTool, check_var_name, suggest,
};
use crate::digest::Digest;
use crate::platform::{Arch, Os, Platform};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Table, Value};

/// Validates `source` as the content of the manifest at `path`.
pub(super) fn parse(path: &Path, source: String) -> Result<Manifest, ManifestError> {
    let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let cx = Cx {
        file: display_path(path),
        source: &source,
    };
    let doc = toml_edit::Document::parse(source.clone()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().trim().trim_end_matches('.').to_string();
        if msg.starts_with("duplicate key")
            && let Some(err) = cx.duplicate(span.clone())
        {
            return err;
        }
        cx.error(
            span,
            format!("this is not valid TOML: {msg}"),
            Some("check the quotes, brackets and `=` on this line".into()),
        )
    })?;
    let mut manifest = Manifest {
        path: path.to_path_buf(),
        root,
        source: source.clone(),
        tools: Vec::new(),
        env: EnvSpec::default(),
        settings: Settings::default(),
        catalog: BTreeMap::new(),
        tasks: Vec::new(),
        limits: Default::default(),
        workspace: None,
        place: None,
    };
    let top = doc.as_table();
    for (key, item) in top.iter() {
        match key {
            "tools" => manifest.tools = cx.tools(top, item)?,
            "env" => manifest.env = cx.env(top, item)?,
            "settings" => manifest.settings = cx.settings(top, item)?,
            "catalog" => manifest.catalog = cx.catalog(top, item)?,
            "tasks" => manifest.tasks = cx.tasks(item)?,
            "workspace" => manifest.workspace = Some(cx.workspace(item)?),
            other => {
                let span = key_span(top, other);
                return Err(cx.unknown_key(
                    span,
                    other,
                    "at the top level",
                    &["tools", "env", "settings", "catalog", "tasks", "workspace"],
                ));
            }
        }
    }
    Ok(manifest)
}

/// The manifest path as the user should read it: relative when under the cwd.
pub(super) fn display_path(path: &Path) -> String {
    if let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = path.strip_prefix(&cwd)
    {
        return rel.display().to_string();
    }
    path.display().to_string()
}

fn key_span(table: &Table, key: &str) -> Range<usize> {
    table.key(key).and_then(|k| k.span()).unwrap_or(0..0)
}

pub(super) fn item_span(item: &Item) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "an array",
            Value::InlineTable(_) => "a table",
        },
    }
}

/// Validation context: the file name and text, to locate errors.
pub(super) struct Cx<'a> {
    pub(super) file: String,
    pub(super) source: &'a str,
}

/// A table-like view over both `[table]` and `{ inline = "table" }`.
fn as_table_like(item: &Item) -> Option<&dyn toml_edit::TableLike> {
    item.as_table_like()
}

impl Cx<'_> {
    pub(super) fn error(
        &self,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) -> ManifestError {
        // Spans computed inside strings with escapes may not fall on a
        // character boundary: snap them to one rather than slice inside it.
        let start = self
            .source
            .floor_char_boundary(span.start.min(self.source.len()));
        let line_start = self.source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.source[start..]
            .find('\n')
            .map_or(self.source.len(), |i| start + i);
        let line_text = self.source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let line = self.source[..start].matches('\n').count() + 1;
        let column = self.source[line_start..start].chars().count() + 1;
        let end = self
            .source
            .floor_char_boundary(span.end.clamp(start, line_end));
        let width = self.source[start..end].chars().count();
        ManifestError {
            file: self.file.clone(),
            line,
            column,
            line_text,
            width,
            message,
            help,
        }
    }

    /// A table or key defined twice, shown at its first definition (the
    /// one to keep), with the line of the second.
    fn duplicate(&self, span: Range<usize>) -> Option<ManifestError> {
        let name = self.source.get(span.clone())?.trim().trim_matches('"');
        let second_line = self.source[..span.start].matches('\n').count() + 1;
        // A key is looked for only in the table the second one is in.
        let before = &self.source[..span.start];
        let section_start = before
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .rfind(|&i| before[i..].trim_start().starts_with('['))
            .unwrap_or(0);
        let mut offset = 0;
        for line in self.source.split_inclusive('\n') {
            let trimmed = line.trim();
            let is_header = trimmed
                .strip_prefix('[')
                .and_then(|t| t.split(']').next())
                .is_some_and(|h| h.trim().trim_matches('"') == name);
            let is_key = offset >= section_start
                && trimmed.contains('=')
                && trimmed
                    .split('=')
                    .next()
                    .is_some_and(|k| k.trim().trim_matches('"') == name);
            if offset >= span.start {
                return None;
            }
            if is_header || is_key {
                let start = offset + (line.len() - line.trim_start().len());
                let (what, help) = if is_header {
                    (
                        format!("`[{name}]`"),
                        format!(
                            "this is the first definition: move the entries under line {second_line} up here, then delete line {second_line}"
                        ),
                    )
                } else {
                    (
                        format!("`{name}`"),
                        format!("keep one of the two: this line or line {second_line}"),
                    )
                };
                return Some(self.error(
                    start..start + trimmed.len(),
                    format!("{what} is defined again at line {second_line}; each table or key can be defined only once"),
                    Some(help),
                ));
            }
            offset += line.len();
        }
        None
    }

    pub(super) fn unknown_key(
        &self,
        span: Range<usize>,
        key: &str,
        place: &str,
        valid: &[&str],
    ) -> ManifestError {
        let help = match suggest(key, valid) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "valid keys here are {}",
                valid
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(span, format!("unknown key `{key}` {place}"), Some(help))
    }

    pub(super) fn wrong_type(
        &self,
        item: &Item,
        what: &str,
        expected: &str,
        example: &str,
    ) -> ManifestError {
        self.error(
            item_span(item),
            format!("{what} must be {expected}, not {}", type_name(item)),
            Some(format!("for example: {example}")),
        )
    }

    pub(super) fn table<'t>(
        &self,
        item: &'t Item,
        what: &str,
        example: &str,
    ) -> Result<&'t dyn toml_edit::TableLike, ManifestError> {
        as_table_like(item).ok_or_else(|| self.wrong_type(item, what, "a table", example))
    }

    pub(super) fn string<'t>(
        &self,
        item: &'t Item,
        what: &str,
        example: &str,
    ) -> Result<&'t str, ManifestError> {
        item.as_str()
            .ok_or_else(|| self.wrong_type(item, what, "a string", example))
    }

    pub(super) fn string_list(
        &self,
        item: &Item,
        what: &str,
        example: &str,
    ) -> Result<Vec<String>, ManifestError> {
        let array = item
            .as_array()
            .ok_or_else(|| self.wrong_type(item, what, "an array of strings", example))?;
        array
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    self.error(
                        v.span().unwrap_or(0..0),
                        format!("{what} must contain only strings"),
                        Some(format!("for example: {example}")),
                    )
                })
            })
            .collect()
    }

    fn tools(&self, top: &Table, item: &Item) -> Result<Vec<ToolSpec>, ManifestError> {
        let _ = top;
        let table = self.table(item, "`tools`", "[tools] followed by `node = \"22\"`")?;
        let mut tools = Vec::new();
        for (name, value) in table.iter() {
            let key_span = table.key(name).and_then(|k| k.span()).unwrap_or(0..0);
            tools.push(self.tool(name, key_span, value)?);
        }
        Ok(tools)
    }

    fn tool(
        &self,
        name: &str,
        key_span: Range<usize>,
        item: &Item,
    ) -> Result<ToolSpec, ManifestError> {
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:@/".contains(c))
            && !name.starts_with(['.', '-', ':']);
        if !valid_name {
            return Err(self.error(
                key_span,
                format!("`{name}` is not a valid tool name"),
                Some("use letters, digits, `.`, `_` and `-`, or `backend:package` such as `npm:prettier`".into()),
            ));
        }
        if let Some(version) = item.as_str() {
            self.check_constraint(item, version)?;
            let request = Request::Registry(RegistryTool {
                version: version.to_string(),
                source: None,
                bin: None,
                asset: None,
                components: Vec::new(),
                targets: Vec::new(),
                extras: Vec::new(),
                allow_scripts: Vec::new(),
                provenance: None,
                features: Vec::new(),
            });
            return Ok(ToolSpec {
                name: name.to_string(),
                request,
            });
        }
        let example = format!(
            "{name} = \"1.2\" or {name} = {{ version = \"1.2.3\", url = \"https://...\" }}"
        );
        let table = as_table_like(item).ok_or_else(|| {
            self.wrong_type(
                item,
                &format!("tool `{name}`"),
                "a version string or a table",
                &example,
            )
        })?;
        let is_url = table.contains_key("url");
        const URL_KEYS: &[&str] = &["version", "url", "sha256", "bin", "os_names", "arch_names"];
        const REGISTRY_KEYS: &[&str] = &[
            "version",
            "source",
            "bin",
            "asset",
            "components",
            "targets",
            "extras",
            "allow_scripts",
            "provenance",
            "features",
        ];
        let valid = if is_url { URL_KEYS } else { REGISTRY_KEYS };
        for (key, _) in table.iter() {
            if key == "allow_scripts" && is_url {
                let span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
                return Err(self.scripts_not_npm(span, name));
            }
            if !valid.contains(&key) {
                let span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
                let mut err = self.unknown_key(span, key, &format!("in tool `{name}`"), valid);
                if !is_url && URL_KEYS.contains(&key) {
                    err.help = Some(format!(
                        "`{key}` only applies to tools downloaded by URL; add `url = \"https://...\"`"
                    ));
                }
                return Err(err);
            }
        }
        let version_item = table.get("version").ok_or_else(|| {
            self.error(
                key_span.clone(),
                format!("tool `{name}` has no `version`"),
                Some(format!("add `version = \"...\"`, e.g. {example}")),
            )
        })?;
        let version = self
            .string(version_item, "`version`", "version = \"1.4.2\"")?
            .to_string();
        let bin = match table.get("bin") {
            Some(b) => Some(self.bin_list(b)?),
            None => None,
        };
        if !is_url {
            self.check_constraint(version_item, &version)?;
            let source = match table.get("source") {
                Some(s) => Some(
                    self.string(s, "`source`", "source = \"node-dist\"")?
                        .to_string(),
                ),
                None => None,
            };
            let asset = match table.get("asset") {
                Some(a) => Some(
                    self.string(
                        a,
                        "`asset`",
                        "asset = \"tool_{version}_{os}_{arch}.tar.gz\"",
                    )?
                    .to_string(),
                ),
                None => None,
            };
            let names = |key: &str, example: &str| -> Result<Vec<String>, ManifestError> {
                let Some(item) = table.get(key) else {
                    return Ok(Vec::new());
                };
                let list = self.string_list(item, &format!("`{key}`"), example)?;
                if let Some(bad) = list.iter().find(|n| {
                    n.is_empty()
                        || !n
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                }) {
                    return Err(self.error(
                        item_span(item),
                        format!("`{bad}` is not a {} name", key.trim_end_matches('s')),
                        Some(format!("for example: {example}")),
                    ));
                }
                Ok(list)
            };
            let components = names("components", "components = [\"clippy\", \"rustfmt\"]")?;
            let targets = names("targets", "targets = [\"wasm32-unknown-unknown\"]")?;
            // PEP 685: extras compare with `-` for runs of `-_.`, lower case.
            let mut extras: Vec<String> = names("extras", "extras = [\"d\"]")?
                .iter()
                .map(|e| crate::names::pypi_normalize(e))
                .collect();
            extras.sort();
            extras.dedup();
            let mut features = names("features", "features = [\"tls\"]")?;
            features.sort();
            features.dedup();
            let allow_scripts = match table.get("allow_scripts") {
                Some(item) => {
                    // `pypi:x` is known here not to be npm; a catalog name's
                    // backend (which `source` may change) is checked when it
                    // is resolved, located the same way.
                    if let Some((backend, _)) = name.split_once(':')
                        && crate::backend::Backend::parse(backend)
                            != crate::backend::Backend::reading("allow_scripts")
                    {
                        let span = table.key("allow_scripts").and_then(|k| k.span());
                        return Err(self.scripts_not_npm(span.unwrap_or(0..0), name));
                    }
                    self.allow_scripts(item)?
                }
                None => Vec::new(),
            };
            let provenance = match table.get("provenance") {
                Some(item) => Some(self.provenance_policy(item)?),
                None => None,
            };
            return Ok(ToolSpec {
                name: name.to_string(),
                request: Request::Registry(RegistryTool {
                    version,
                    source,
                    bin,
                    asset,
                    components,
                    targets,
                    extras,
                    allow_scripts,
                    provenance,
                    features,
                }),
            });
        }
        if name.contains(':') {
            return Err(self.error(
                key_span,
                format!("a tool downloaded by URL needs a plain name, not `{name}`"),
                Some("name it after the executable, e.g. `mytool = { url = ... }`".into()),
            ));
        }
        self.check_exact_version(version_item, &version)?;
        let url_item = table.get("url").expect("checked above");
        let url = self.string(
            url_item,
            "`url`",
            "url = \"https://example.com/tool-{version}-{os}-{arch}.tar.gz\"",
        )?;
        self.check_template(url_item, url)?;
        let sha256 = match table.get("sha256") {
            None => Sha256Spec::None,
            Some(item) => self.sha256(item)?,
        };
        let os_names = self.renames(
            table.get("os_names"),
            "os_names",
            |k| match k {
                "linux" => Some(Os::Linux),
                "macos" => Some(Os::Macos),
                _ => None,
            },
            &["linux", "macos"],
        )?;
        let arch_names = self.renames(
            table.get("arch_names"),
            "arch_names",
            |k| match k {
                "x86_64" => Some(Arch::X86_64),
                "aarch64" => Some(Arch::Aarch64),
                _ => None,
            },
            &["x86_64", "aarch64"],
        )?;
        Ok(ToolSpec {
            name: name.to_string(),
            request: Request::Url(UrlTool {
                version,
                url: url.to_string(),
                sha256,
                bin,
                os_names,
                arch_names,
            }),
        })
    }

    /// `allow_scripts = ["esbuild", "@swc/core"]`: npm package names,
    /// returned sorted and without repeats.
    fn allow_scripts(&self, item: &Item) -> Result<Vec<String>, ManifestError> {
        let example = "allow_scripts = [\"esbuild\", \"@swc/core\"]";
        let mut names = self.string_list(item, "`allow_scripts`", example)?;
        for (i, n) in names.iter().enumerate() {
            if !crate::names::valid_package_name(n) {
                let span = item
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|v| v.span())
                    .unwrap_or_else(|| item_span(item));
                return Err(self.error(
                    span,
                    format!(
                        "`{}` is not an npm package name",
                        crate::ui::escape_controls(n)
                    ),
                    Some(format!(
                        "name each package whose install scripts may run, as npm spells it (`name` or `@scope/name`), e.g. {example}"
                    )),
                ));
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn scripts_not_npm(&self, span: Range<usize>, name: &str) -> ManifestError {
        self.error(
            span,
            format!("`allow_scripts` only applies to npm packages, and `{name}` is not one"),
            Some("remove it; install scripts exist only in npm packages (`npm:NAME` tools and catalog entries whose backend is npm)".into()),
        )
    }

    fn bin_list(&self, item: &Item) -> Result<Vec<String>, ManifestError> {
        let bins = self.string_list(item, "`bin`", "bin = [\"bin\"]")?;
        for b in &bins {
            if Path::new(b).is_absolute()
                || Path::new(b)
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(self.error(
                    item_span(item),
                    format!("bin directory `{b}` must stay inside the tool's directory"),
                    Some("use a relative path without `..`, such as \"bin\"".into()),
                ));
            }
        }
        Ok(bins)
    }

    fn renames<K: Ord>(
        &self,
        item: Option<&Item>,
        what: &str,
        parse: impl Fn(&str) -> Option<K>,
        valid: &[&str],
    ) -> Result<BTreeMap<K, String>, ManifestError> {
        let mut out = BTreeMap::new();
        let Some(item) = item else { return Ok(out) };
        let table = self.table(
            item,
            &format!("`{what}`"),
            &format!("{what} = {{ {} = \"...\" }}", valid[0]),
        )?;
        for (k, v) in table.iter() {
            let span = table.key(k).and_then(|k| k.span()).unwrap_or(0..0);
            let key = parse(k)
                .ok_or_else(|| self.unknown_key(span, k, &format!("in `{what}`"), valid))?;
            out.insert(
                key,
                self.string(v, &format!("`{what}.{k}`"), &format!("{k} = \"...\""))?
                    .to_string(),
            );
        }
        Ok(out)
    }

    fn sha256(&self, item: &Item) -> Result<Sha256Spec, ManifestError> {
        let parse_one = |item: &Item| -> Result<Digest, ManifestError> {
            let s = self.string(item, "`sha256`", "sha256 = \"<64 hex characters>\"")?;
            let hexpart = s.strip_prefix("sha256:").unwrap_or(s);
            Digest::sha256_from_hex(hexpart).ok_or_else(|| {
                self.error(
                    item_span(item),
                    format!("`{s}` is not a sha256 digest"),
                    Some("a sha256 is 64 hexadecimal characters (`sha256sum FILE` prints it); or leave `sha256` out to trust the download on first lock".into()),
                )
            })
        };
        if item.is_str() {
            return Ok(Sha256Spec::Current(parse_one(item)?));
        }
        let table = as_table_like(item).ok_or_else(|| {
            self.wrong_type(
                item,
                "`sha256`",
                "a string or a table keyed by platform",
                "sha256 = { linux-x86_64 = \"...\" }",
            )
        })?;
        let mut map = BTreeMap::new();
        for (k, v) in table.iter() {
            let span = table.key(k).and_then(|k| k.span()).unwrap_or(0..0);
            let platform: Platform = k.parse().map_err(|e: String| {
                let names: Vec<String> = Platform::ALL.iter().map(|p| p.to_string()).collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut err = self.unknown_key(span.clone(), k, "in `sha256`", &refs);
                err.message = e;
                err
            })?;
            map.insert(platform, parse_one(v)?);
        }
        Ok(Sha256Spec::PerPlatform(map))
    }

    /// A URL tool's version is exact: it is substituted into the URL.
    fn check_exact_version(&self, item: &Item, version: &str) -> Result<(), ManifestError> {
        let ok = !version.is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
            && version
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if ok {
            return Ok(());
        }
        Err(self.error(
            item_span(item),
            format!("`{version}` is not an exact version"),
            Some("a tool downloaded by URL needs the exact version its URL contains, such as \"1.4.2\"".into()),
        ))
    }

    /// A registry constraint: checked for shape here, for meaning by the resolver.
    fn check_constraint(&self, item: &Item, version: &str) -> Result<(), ManifestError> {
        let ok = !version.trim().is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-^~<>=!*, ".contains(c));
        if ok {
            // The right characters, but also the grammar the resolver reads
            // (`^^22` has the first and not the second).
            return match version.parse::<crate::version::Constraint>() {
                Ok(_) => Ok(()),
                Err(e) => {
                    let (message, help) = super::split_help(&e);
                    Err(self.error(item_span(item), message, help))
                }
            };
        }
        Err(self.error(
            item_span(item),
            format!("`{version}` is not a version or version range"),
            Some("write an exact version (\"1.2.3\"), a prefix (\"22\"), a range (\"^3.1\", \">=1.20,<2\") or \"latest\"".into()),
        ))
    }

    fn check_template(&self, item: &Item, url: &str) -> Result<(), ManifestError> {
        // Offsets below point inside the string; +1 skips the opening quote,
        // which is exact for strings without escapes (URLs rarely have any).
        let base = item_span(item).start + 1;
        if !(url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("file://"))
        {
            return Err(self.error(
                item_span(item),
                format!("`{url}` is not an http(s) or file URL"),
                Some("start it with https://".into()),
            ));
        }
        let mut rest = url;
        let mut offset = 0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(self.error(
                    base + offset + open..base + offset + rest.len(),
                    "unclosed `{` in the URL template".into(),
                    Some("placeholders are {version}, {os} and {arch}".into()),
                ));
            };
            let name = &rest[open + 1..open + close];
            if !["version", "os", "arch"].contains(&name) {
                let mut err = self.unknown_key(
                    base + offset + open..base + offset + open + close + 1,
                    name,
                    "",
                    &["version", "os", "arch"],
                );
                err.message = format!("unknown placeholder `{{{name}}}` in the URL template");
                if let Some(s) = suggest(name, &["version", "os", "arch"]) {
                    err.help = Some(format!(
                        "did you mean `{{{s}}}`? placeholders are {{version}}, {{os}} and {{arch}}"
                    ));
                } else {
                    err.help = Some("placeholders are {version}, {os} and {arch}".into());
                }
                return Err(err);
            }
            offset += open + close + 1;
            rest = &url[offset..];
        }
        Ok(())
    }

    fn env(&self, top: &Table, item: &Item) -> Result<EnvSpec, ManifestError> {
        let _ = top;
        let table = self.table(item, "`env`", "[env] followed by `RUST_LOG = \"debug\"`")?;
        let mut env = EnvSpec::default();
        for (name, value) in table.iter() {
            let span = table.key(name).and_then(|k| k.span()).unwrap_or(0..0);
            match name {
                "path" => env.path = self.string_list(value, "`path`", "path = [\"scripts\"]")?,
                "dotenv" => {
                    env.dotenv = if let Some(s) = value.as_str() {
                        vec![s.to_string()]
                    } else {
                        self.string_list(value, "`dotenv`", "dotenv = [\".env\"]")?
                    }
                }
                _ => {
                    check_var_name(name)
                        .map_err(|(msg, help)| self.error(span, msg, Some(help)))?;
                    let v = match value {
                        Item::Value(Value::String(s)) if s.value().contains('\0') => {
                            return Err(self.error(
                                item_span(value),
                                format!("the value of `{name}` contains a NUL character (\\u0000), which no environment variable can hold"),
                                Some("remove the \\u0000 escape from the string".into()),
                            ));
                        }
                        Item::Value(Value::String(s)) => EnvValue::Set(s.value().clone()),
                        Item::Value(Value::Integer(i)) => EnvValue::Set(i.value().to_string()),
                        Item::Value(Value::Float(f)) => EnvValue::Set(f.value().to_string()),
                        Item::Value(Value::Boolean(b)) if !*b.value() => EnvValue::Unset,
                        Item::Value(Value::Boolean(_)) => {
                            return Err(self.error(
                                item_span(value),
                                format!("`{name} = true` is ambiguous"),
                                Some(format!("write `{name} = \"true\"` to set the text \"true\", or `{name} = false` to unset it")),
                            ));
                        }
                        other => {
                            return Err(self.wrong_type(
                                other,
                                &format!("variable `{name}`"),
                                "a string, a number or `false`",
                                &format!("{name} = \"value\""),
                            ));
                        }
                    };
                    env.vars.push((name.to_string(), v));
                }
            }
        }
        Ok(env)
    }

    fn settings(&self, top: &Table, item: &Item) -> Result<Settings, ManifestError> {
        let _ = top;
        const KEYS: &[&str] = &[
            "platforms",
            "auto_install",
            "watch",
            "keep_generations",
            "mirrors",
            "caches",
            "registries",
            "provenance",
            "trusted_root",
        ];
        let table = self.table(
            item,
            "`settings`",
            "[settings] followed by `platforms = [\"linux-x86_64\"]`",
        )?;
        let mut settings = Settings::default();
        for (key, value) in table.iter() {
            let span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
            let bool_of = |what: &str| {
                value.as_bool().ok_or_else(|| {
                    self.wrong_type(
                        value,
                        &format!("`{what}`"),
                        "true or false",
                        &format!("{what} = true"),
                    )
                })
            };
            match key {
                "platforms" => {
                    let names = self.string_list(
                        value,
                        "`platforms`",
                        "platforms = [\"linux-x86_64\", \"macos-aarch64\"]",
                    )?;
                    let mut platforms = Vec::new();
                    for (i, n) in names.iter().enumerate() {
                        let p: Platform = n.parse().map_err(|e: String| {
                            let span = value
                                .as_array()
                                .and_then(|a| a.get(i))
                                .and_then(|v| v.span())
                                .unwrap_or(0..0);
                            let known: Vec<String> =
                                Platform::ALL.iter().map(|p| p.to_string()).collect();
                            let refs: Vec<&str> = known.iter().map(String::as_str).collect();
                            let help = suggest(n, &refs).map(|s| format!("did you mean `{s}`?"));
                            self.error(span, e, help)
                        })?;
                        if !platforms.contains(&p) {
                            platforms.push(p);
                        }
                    }
                    if platforms.is_empty() {
                        return Err(self.error(
                            item_span(value),
                            "`platforms` is empty".into(),
                            Some(format!("list at least one of {}", Platform::known_list())),
                        ));
                    }
                    platforms.sort();
                    settings.platforms = Some(platforms);
                }
                "auto_install" => settings.auto_install = bool_of("auto_install")?,
                "watch" => settings.watch = bool_of("watch")?,
                "keep_generations" => {
                    let n = value
                        .as_integer()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| {
                            self.wrong_type(
                                value,
                                "`keep_generations`",
                                "a whole number from 1 to 10000",
                                "keep_generations = 5",
                            )
                        })?;
                    settings.keep_generations = Some(n as u32);
                }
                "mirrors" => settings.mirrors = self.mirrors(value)?,
                "caches" => settings.caches = self.caches(value)?,
                "registries" => settings.registries = self.string_list(
                    value,
                    "`registries`",
                    "registries = [\"aqua/registry.yaml\", \"https://example.com/registry.yaml\"]",
                )?,
                "provenance" => {
                    if value.as_str() != Some("required") {
                        return Err(self.wrong_type(
                            value,
                            "`provenance`",
                            "\"required\"",
                            "provenance = \"required\"",
                        ));
                    }
                    settings.provenance_required = true;
                }
                "trusted_root" => {
                    let path = self.string(
                        value,
                        "`trusted_root`",
                        "trusted_root = \"sigstore/trusted_root.json\"",
                    )?;
                    settings.trusted_root = Some(PathBuf::from(path));
                }
                other => return Err(self.unknown_key(span, other, "in [settings]", KEYS)),
            }
        }
        Ok(settings)
    }

    /// `provenance = "required"` or `provenance = "IDENTITY"` (a URI such as
    /// a workflow's, or an email address).
    fn provenance_policy(&self, item: &Item) -> Result<ProvenancePolicy, ManifestError> {
        let example = "provenance = \"required\" or provenance = \"https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.2.3\"";
        let text = self.string(item, "`provenance`", example)?;
        if text == "required" {
            return Ok(ProvenancePolicy::Required);
        }
        let plausible = (text.starts_with("https://") || text.contains('@'))
            && text.len() <= 4096
            && !text.chars().any(|c| c.is_control() || c.is_whitespace());
        if !plausible {
            return Err(self.error(
                item_span(item),
                format!("`{text}` is neither \"required\" nor a signer identity"),
                Some(format!(
                    "an identity is the signing certificate's: a workflow URI or an email address; for example {example}"
                )),
            ));
        }
        Ok(ProvenancePolicy::Identity(text.to_string()))
    }

    fn mirrors(&self, item: &Item) -> Result<BTreeMap<String, String>, ManifestError> {
        let names: Vec<&str> = crate::backend::Backend::all().map(|b| b.as_str()).collect();
        let example = "mirrors = { npm = \"https://npm.example.com\" }";
        let table = self.table(item, "`mirrors`", example)?;
        let mut out = BTreeMap::new();
        for (key, value) in table.iter() {
            let span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
            // A key is a backend, or a URL prefix to redirect (`"https://dl.example" = ...`).
            let is_prefix = key.starts_with("https://") || key.starts_with("http://");
            if !is_prefix && !names.contains(&key) {
                let mut err = self.unknown_key(span, key, "in `mirrors`", &names);
                if suggest(key, &names).is_none() {
                    err.help = Some(format!(
                        "{}, or a URL prefix to redirect such as \"https://dl.example.com\"",
                        err.help.unwrap_or_default()
                    ));
                }
                return Err(err);
            }
            let url = self.string(value, &format!("`mirrors.{key}`"), example)?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(self.error(
                    item_span(value),
                    format!("`{url}` is not an http(s) URL"),
                    Some("a mirror is a base URL such as \"https://npm.example.com\"".into()),
                ));
            }
            out.insert(key.to_string(), url.to_string());
        }
        Ok(out)
    }

    fn caches(&self, item: &Item) -> Result<Vec<String>, ManifestError> {
        let example = "caches = [\"oci://registry.example.com/acme/devenv-cache\"]";
        let caches = self.string_list(item, "`caches`", example)?;
        for (i, c) in caches.iter().enumerate() {
            // Only the syntax is checked here; paths resolve from the root later.
            if let Err(e) = crate::cache_spec::Spec::parse(c, Path::new("/")) {
                let span = item
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|v| v.span())
                    .unwrap_or(0..0);
                return Err(self.error(span, e, Some(example.to_string())));
            }
        }
        Ok(caches)
    }

    fn catalog(
        &self,
        top: &Table,
        item: &Item,
    ) -> Result<BTreeMap<String, toml::Table>, ManifestError> {
        let _ = top;
        let table = self.table(
            item,
            "`catalog`",
            "[catalog.mytool] followed by `backend = \"npm\"`",
        )?;
        // The catalog module interprets the entries; here they are only read
        // whole (dotted keys and sub-tables included) from the same text.
        let whole: toml::Table = self.source.parse().map_err(|_| {
            self.error(
                item_span(item),
                "`catalog` could not be read".into(),
                Some("use plain keys, values and tables".into()),
            )
        })?;
        let mut out = BTreeMap::new();
        for (name, entry) in table.iter() {
            self.table(entry, &format!("`catalog.{name}`"), "[catalog.mytool]")?;
            let parsed = whole
                .get("catalog")
                .and_then(|c| c.get(name))
                .and_then(|e| e.as_table())
                .cloned()
                .unwrap_or_default();
            out.insert(name.to_string(), parsed);
        }
        Ok(out)
    }
}
