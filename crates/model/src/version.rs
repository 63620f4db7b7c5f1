//! The one version grammar of devenv, for every backend.
//!
//! What a user may write as a registry tool's version:
//!
//! | written          | means                                                   |
//! |------------------|---------------------------------------------------------|
//! | `1.2.3`          | exactly that version (also `1.2.3-rc.1`, `0.11.0.1`)    |
//! | `22`, `0.13`     | the newest version starting with those numbers          |
//! | `^3.1`           | `>=3.1, <4` (`^0.7` is `>=0.7, <0.8`)                    |
//! | `~0.7`, `~1.2.3` | `>=0.7, <0.8`; `>=1.2.3, <1.3`                           |
//! | `>=1.20,<2`      | comparators `>=`, `>`, `<=`, `<`, `=`, `!=`, joined by `,` |
//! | `1.2.*`          | the same as the prefix `1.2`                             |
//! | `latest`         | the newest stable version                               |
//! | `lts`            | the newest long-term-support release (Node.js only)     |
//!
//! Pre-releases (`1.0.0-rc.1`, `0.8.0a1`, `1.24rc1`) are only chosen when
//! the constraint itself names one. Versions are ordered by the rules of
//! their registry: semantic versioning (crate `semver`) for npm and the
//! vendor indexes, PEP 440 (crate `pep440_rs`) for PyPI.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// How a source's versions are spelled and ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Semantic versioning, read leniently: `v22.1.0`, `1.20` and Go's
    /// `1.21rc2` are accepted and padded to three numbers.
    Semver,
    /// Python's PEP 440.
    Pep440,
}

/// A version as a source spells it, with its ordering.
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    parsed: Parsed,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Parsed {
    Semver(semver::Version),
    Pep440(pep440_rs::Version),
}

impl Version {
    /// Reads `text` in `scheme`; `None` if it is not a version there.
    pub fn parse(scheme: Scheme, text: &str) -> Option<Version> {
        let parsed = match scheme {
            Scheme::Semver => Parsed::Semver(lenient_semver(text)?),
            Scheme::Pep440 => Parsed::Pep440(pep440_rs::Version::from_str(text).ok()?),
        };
        Some(Version {
            text: text.to_string(),
            parsed,
        })
    }

    /// The version as the source spells it (and as the lock records it).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The numeric release part: `[1, 2, 3]` for `1.2.3-rc.1`.
    pub(crate) fn release(&self) -> Vec<u64> {
        match &self.parsed {
            Parsed::Semver(v) => vec![v.major, v.minor, v.patch],
            Parsed::Pep440(v) => v.release().to_vec(),
        }
    }

    /// Whether this is a pre-release (or a PEP 440 development release).
    pub fn is_prerelease(&self) -> bool {
        match &self.parsed {
            Parsed::Semver(v) => !v.pre.is_empty(),
            Parsed::Pep440(v) => v.any_prerelease(),
        }
    }

    fn scheme(&self) -> Scheme {
        match self.parsed {
            Parsed::Semver(_) => Scheme::Semver,
            Parsed::Pep440(_) => Scheme::Pep440,
        }
    }

    /// Whether the release starts with `prefix` (missing numbers count as 0).
    fn has_prefix(&self, prefix: &[u64]) -> bool {
        let release = self.release();
        prefix
            .iter()
            .enumerate()
            .all(|(i, n)| release.get(i).copied().unwrap_or(0) == *n)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parsed == other.parsed
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parsed.cmp(&other.parsed)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Semver, accepting the spellings vendor indexes use: a leading `v`,
/// fewer than three numbers (`1.20`), and Go's `1.21rc2` (→ `1.21.0-rc.2`).
fn lenient_semver(text: &str) -> Option<semver::Version> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let end = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (release, rest) = text.split_at(end);
    let release = release.strip_suffix('.').unwrap_or(release);
    let mut numbers: Vec<u64> = release
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    if numbers.len() > 3 {
        return None;
    }
    numbers.resize(3, 0);
    let rest = if rest.is_empty() || rest.starts_with(['-', '+']) {
        rest.to_string()
    } else {
        // Go's `rc2`, `beta1`: split letters from digits so `rc.10` > `rc.2`.
        let alpha_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (word, num) = rest.split_at(alpha_end);
        if num.is_empty() {
            format!("-{word}")
        } else {
            format!("-{word}.{num}")
        }
    };
    semver::Version::parse(&format!(
        "{}.{}.{}{rest}",
        numbers[0], numbers[1], numbers[2]
    ))
    .ok()
}

/// A release a source offers.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: Version,
    /// Whether it is a long-term-support release, where the source says.
    pub lts: Option<bool>,
    /// Withdrawn by its publisher (PyPI's "yanked"): chosen only when exact.
    pub yanked: bool,
}

impl Release {
    pub fn new(version: Version) -> Release {
        Release {
            version,
            lts: None,
            yanked: false,
        }
    }
}

/// A parsed version constraint; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Latest,
    Lts,
    /// All comparators must hold.
    All(Vec<Cmp>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cmp {
    Exact(String),
    Prefix(Vec<u64>),
    Ge(String),
    Gt(String),
    Le(String),
    Lt(String),
    Ne(String),
}

impl FromStr for Constraint {
    type Err = String;

    fn from_str(text: &str) -> Result<Constraint, String> {
        let trimmed = text.trim();
        let kind = match trimmed {
            // `stable` reads as Rust users write it.
            "latest" | "*" | "stable" => Kind::Latest,
            "lts" => Kind::Lts,
            _ => {
                let mut cmps = Vec::new();
                for part in trimmed.split(',') {
                    let part: String = part.chars().filter(|c| !c.is_whitespace()).collect();
                    cmps.extend(comparator(&part).ok_or_else(|| {
                        format!(
                            "`{text}` is not a version constraint; write an exact version (\"1.2.3\"), a prefix (\"22\"), a range (\"^3.1\", \"~0.7\", \">=1.20,<2\"), \"latest\" or \"lts\""
                        )
                    })?);
                }
                Kind::All(cmps)
            }
        };
        Ok(Constraint {
            text: trimmed.to_string(),
            kind,
        })
    }
}

/// The numbers of a bound (`1.2.3` → [1, 2, 3]) and whether it names a
/// pre-release; `None` if it is not a version.
fn bound_numbers(s: &str) -> Option<(Vec<u64>, bool)> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let end = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (release, rest) = s.split_at(end);
    let release = release.strip_suffix('.').unwrap_or(release);
    let numbers: Vec<u64> = release
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let rest_ok = rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-+.".contains(c));
    rest_ok.then_some((numbers, !rest.is_empty()))
}

fn join(numbers: &[u64]) -> String {
    numbers
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// One comma-separated part of a constraint, expanded into comparators.
fn comparator(part: &str) -> Option<Vec<Cmp>> {
    let ops = ["~=", ">=", "<=", "==", "!=", ">", "<", "=", "^", "~"];
    let op = ops.iter().find(|op| part.starts_with(**op)).copied();
    let rest = &part[op.map_or(0, str::len)..];
    if let Some(stem) = rest.strip_suffix(".*").or_else(|| rest.strip_suffix(".x")) {
        let (numbers, pre) = bound_numbers(stem)?;
        return match op {
            None | Some("=" | "==") if !pre => Some(vec![Cmp::Prefix(numbers)]),
            _ => None,
        };
    }
    let (numbers, pre) = bound_numbers(rest)?;
    let bump = |i: usize| {
        let mut n = numbers[..=i].to_vec();
        n[i] += 1;
        join(&n)
    };
    let cmps = match op {
        None | Some("=" | "==") if !pre && numbers.len() < 3 => vec![Cmp::Prefix(numbers)],
        None | Some("=" | "==") => vec![Cmp::Exact(rest.to_string())],
        Some(">=") => vec![Cmp::Ge(rest.into())],
        Some(">") => vec![Cmp::Gt(rest.into())],
        Some("<=") => vec![Cmp::Le(rest.into())],
        Some("<") => vec![Cmp::Lt(rest.into())],
        Some("!=") => vec![Cmp::Ne(rest.into())],
        Some("^") => {
            // The first non-zero number may not change; `^0.0` ≈ `~0.0`.
            let i = numbers
                .iter()
                .position(|n| *n != 0)
                .unwrap_or(numbers.len() - 1);
            vec![Cmp::Ge(rest.into()), Cmp::Lt(bump(i))]
        }
        Some("~") => vec![
            Cmp::Ge(rest.into()),
            Cmp::Lt(bump(numbers.len().min(2) - 1)),
        ],
        Some("~=") if numbers.len() >= 2 => {
            vec![Cmp::Ge(rest.into()), Cmp::Lt(bump(numbers.len() - 2))]
        }
        _ => return None,
    };
    Some(cmps)
}

/// Why no release satisfied a constraint.
#[derive(Debug, Clone)]
pub struct Unsatisfied {
    pub(crate) constraint: String,
    /// The available versions nearest to what was asked, ascending.
    pub(crate) nearest: Vec<String>,
    /// Extra explanation (e.g. "`lts` needs a source that marks LTS releases").
    pub(crate) reason: Option<String>,
}

impl fmt::Display for Unsatisfied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no version matches `{}`", self.constraint)?;
        if let Some(r) = &self.reason {
            write!(f, ": {r}")?;
        }
        if self.nearest.is_empty() {
            write!(f, "; the source offers no versions at all")
        } else {
            write!(f, "; nearest available: {}", self.nearest.join(", "))
        }
    }
}

impl std::error::Error for Unsatisfied {}

impl Constraint {
    /// The constraint as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the constraint names a pre-release, allowing them.
    fn allows_prereleases(&self) -> bool {
        match &self.kind {
            Kind::All(cmps) => cmps.iter().any(|c| match c {
                Cmp::Exact(s) | Cmp::Ge(s) | Cmp::Gt(s) | Cmp::Le(s) | Cmp::Lt(s) => {
                    bound_numbers(s).is_some_and(|(_, pre)| pre)
                }
                _ => false,
            }),
            _ => false,
        }
    }

    /// Whether this is `latest` (or `*`): "whatever is newest".
    pub fn is_latest(&self) -> bool {
        self.kind == Kind::Latest
    }

    /// Whether `release` satisfies the constraint.
    pub(crate) fn matches(&self, release: &Release) -> bool {
        let v = &release.version;
        let bound = |s: &str| Version::parse(v.scheme(), s);
        let exact =
            matches!(&self.kind, Kind::All(c) if c.iter().any(|c| matches!(c, Cmp::Exact(_))));
        if !exact && (release.yanked || (v.is_prerelease() && !self.allows_prereleases())) {
            return false;
        }
        match &self.kind {
            Kind::Latest => true,
            Kind::Lts => release.lts == Some(true),
            Kind::All(cmps) => cmps.iter().all(|c| match c {
                Cmp::Exact(s) => bound(s).is_some_and(|b| *v == b),
                Cmp::Prefix(p) => v.has_prefix(p),
                Cmp::Ge(s) => bound(s).is_some_and(|b| *v >= b),
                Cmp::Gt(s) => bound(s).is_some_and(|b| *v > b),
                Cmp::Le(s) => bound(s).is_some_and(|b| *v <= b),
                Cmp::Lt(s) => bound(s).is_some_and(|b| *v < b),
                Cmp::Ne(s) => bound(s).is_none_or(|b| *v != b),
            }),
        }
    }

    /// The newest release satisfying the constraint.
    pub fn select<'a>(&self, releases: &'a [Release]) -> Result<&'a Release, Unsatisfied> {
        if let Some(best) = releases.iter().filter(|r| self.matches(r)).max_by(|a, b| {
            a.version
                .cmp(&b.version)
                .then_with(|| b.version.text.cmp(&a.version.text))
        }) {
            return Ok(best);
        }
        let reason = (self.kind == Kind::Lts && releases.iter().all(|r| r.lts.is_none())).then(|| {
            "`lts` needs a source that marks long-term-support releases (Node.js's own index, `source = \"node-dist\"`); or write a major version such as \"22\"".to_string()
        });
        Err(Unsatisfied {
            constraint: self.text.clone(),
            nearest: self.nearest(releases),
            reason,
        })
    }

    /// Up to six available versions around what the constraint asks for.
    fn nearest(&self, releases: &[Release]) -> Vec<String> {
        let mut versions: Vec<&Version> = releases
            .iter()
            .filter(|r| !r.yanked && !r.version.is_prerelease())
            .map(|r| &r.version)
            .collect();
        if versions.is_empty() {
            versions = releases.iter().map(|r| &r.version).collect();
        }
        versions.sort();
        versions.dedup();
        let anchor = match &self.kind {
            Kind::All(cmps) => cmps.first().and_then(|c| match c {
                Cmp::Prefix(p) => Some(join(p)),
                Cmp::Exact(s) | Cmp::Ge(s) | Cmp::Gt(s) | Cmp::Le(s) | Cmp::Lt(s) => {
                    Some(s.clone())
                }
                Cmp::Ne(_) => None,
            }),
            _ => None,
        };
        let scheme = versions.first().map(|v| v.scheme());
        let at = match (anchor, scheme) {
            (Some(a), Some(scheme)) => match Version::parse(scheme, &a) {
                Some(a) => versions.partition_point(|v| **v < a),
                None => versions.len(),
            },
            _ => versions.len(),
        };
        let start = at.saturating_sub(3);
        let end = (at + 3).min(versions.len());
        let start = start.min(end.saturating_sub(6));
        versions[start..end].iter().map(|v| v.to_string()).collect()
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether the PEP 440 specifiers `specifiers` (a release's
/// `Requires-Python`, `>=3.9,<4`) admit `version`; `None` when either
/// cannot be read, which callers treat as "not stated".
pub fn pep440_admits(specifiers: &str, version: &str) -> Option<bool> {
    let specifiers = pep440_rs::VersionSpecifiers::from_str(specifiers).ok()?;
    let version = pep440_rs::Version::from_str(version).ok()?;
    Some(specifiers.contains(&version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn releases(scheme: Scheme, list: &[&str]) -> Vec<Release> {
        list.iter()
            .map(|s| Release::new(Version::parse(scheme, s).unwrap()))
            .collect()
    }

    fn pick(scheme: Scheme, c: &str, list: &[&str]) -> Result<String, String> {
        let c: Constraint = c.parse()?;
        let r = releases(scheme, list);
        c.select(&r)
            .map(|r| r.version.to_string())
            .map_err(|e| e.to_string())
    }

    const NPM: &[&str] = &[
        "2.8.8",
        "3.0.0",
        "3.1.0",
        "3.1.1",
        "3.3.3",
        "3.4.0-beta.1",
        "4.0.0-rc.1",
        "10.0.0",
    ];

    #[test]
    fn semver_grammar() {
        let s = Scheme::Semver;
        assert_eq!(pick(s, "3", NPM).unwrap(), "3.3.3");
        assert_eq!(pick(s, "3.1", NPM).unwrap(), "3.1.1");
        assert_eq!(pick(s, "3.1.0", NPM).unwrap(), "3.1.0");
        assert_eq!(pick(s, "^3.1", NPM).unwrap(), "3.3.3");
        assert_eq!(pick(s, "~3.1", NPM).unwrap(), "3.1.1");
        assert_eq!(pick(s, ">=2,<3.1", NPM).unwrap(), "3.0.0");
        assert_eq!(pick(s, ">= 2, < 3.1", NPM).unwrap(), "3.0.0");
        assert_eq!(pick(s, "3.*", NPM).unwrap(), "3.3.3");
        assert_eq!(pick(s, "latest", NPM).unwrap(), "10.0.0");
        assert_eq!(pick(s, "^3, !=3.3.3", NPM).unwrap(), "3.1.1");
        // Numbers compare as numbers, not text.
        assert_eq!(pick(s, ">=3", NPM).unwrap(), "10.0.0");
    }

    #[test]
    fn prereleases_only_when_named() {
        let s = Scheme::Semver;
        assert_eq!(
            pick(s, "^3.4", NPM).unwrap_err(),
            "no version matches `^3.4`; nearest available: 2.8.8, 3.0.0, 3.1.0, 3.1.1, 3.3.3, 10.0.0"
        );
        assert_eq!(pick(s, "3.4.0-beta.1", NPM).unwrap(), "3.4.0-beta.1");
        assert_eq!(pick(s, ">=4.0.0-rc.0", NPM).unwrap(), "10.0.0");
        assert_eq!(pick(s, ">=4.0.0-rc.0,<5", NPM).unwrap(), "4.0.0-rc.1");
        let only_pre = &["1.0.0-alpha.1"];
        assert!(
            pick(s, "latest", only_pre)
                .unwrap_err()
                .contains("1.0.0-alpha.1")
        );
    }

    #[test]
    fn caret_and_tilde_on_zero_versions() {
        let s = Scheme::Semver;
        let zig = &["0.7.1", "0.11.0", "0.12.1", "0.13.0", "0.14.0-dev.1+abc"];
        assert_eq!(pick(s, "^0.12", zig).unwrap(), "0.12.1");
        assert_eq!(pick(s, "~0.7", zig).unwrap(), "0.7.1");
        assert_eq!(pick(s, "0.13", zig).unwrap(), "0.13.0");
        assert_eq!(pick(s, "latest", zig).unwrap(), "0.13.0");
    }

    #[test]
    fn vendor_spellings_parse() {
        let s = Scheme::Semver;
        let go = &["1.20", "1.20.14", "1.21rc2", "1.21.0", "1.21.13", "1.22rc1"];
        assert_eq!(pick(s, "1.20", go).unwrap(), "1.20.14");
        assert_eq!(pick(s, "1.21", go).unwrap(), "1.21.13");
        assert_eq!(pick(s, "latest", go).unwrap(), "1.21.13");
        assert_eq!(pick(s, "1.21rc2", go).unwrap(), "1.21rc2");
        assert_eq!(pick(s, ">=1.20,<2", go).unwrap(), "1.21.13");
        let a = Version::parse(s, "1.21rc2").unwrap();
        let b = Version::parse(s, "1.21rc10").unwrap();
        assert!(a < b && b < Version::parse(s, "1.21.0").unwrap());
        assert!(Version::parse(s, "v22.1.0").is_some());
        assert!(Version::parse(s, "master").is_none());
    }

    #[test]
    fn pep440_grammar() {
        let p = Scheme::Pep440;
        let ruff = &[
            "0.6.9",
            "0.7.0",
            "0.7.4",
            "0.8.0a1",
            "0.8.0",
            "1.0.0.post1",
            "0.11.0.1",
        ];
        assert_eq!(pick(p, "~0.7", ruff).unwrap(), "0.7.4");
        assert_eq!(pick(p, "0.7", ruff).unwrap(), "0.7.4");
        assert_eq!(pick(p, "^0.7", ruff).unwrap(), "0.7.4");
        assert_eq!(pick(p, "~=0.7.0", ruff).unwrap(), "0.7.4");
        assert_eq!(pick(p, "latest", ruff).unwrap(), "1.0.0.post1");
        assert_eq!(pick(p, ">=0.8,<1", ruff).unwrap(), "0.11.0.1");
        assert_eq!(pick(p, "0.8.0a1", ruff).unwrap(), "0.8.0a1");
        assert_eq!(pick(p, "0.11.0.1", ruff).unwrap(), "0.11.0.1");
        assert_eq!(
            pick(p, "1.0.0", ruff).unwrap_err(),
            "no version matches `1.0.0`; nearest available: 0.6.9, 0.7.0, 0.7.4, 0.8.0, 0.11.0.1, 1.0.0.post1"
        );
    }

    #[test]
    fn yanked_releases_only_when_exact() {
        let mut r = releases(Scheme::Pep440, &["1.0", "1.1"]);
        r[1].yanked = true;
        let c: Constraint = "1".parse().unwrap();
        assert_eq!(c.select(&r).unwrap().version.to_string(), "1.0");
        let c: Constraint = "1.1.0".parse().unwrap();
        assert_eq!(c.select(&r).unwrap().version.to_string(), "1.1");
    }

    #[test]
    fn requires_python_is_read_as_pep_440_specifiers() {
        assert_eq!(pep440_admits(">=3.12", "3.11.7"), Some(false));
        assert_eq!(pep440_admits(">=3.9, <4", "3.12.4"), Some(true));
        assert_eq!(pep440_admits("~=3.10", "3.13.0"), Some(true));
        assert_eq!(pep440_admits("not a specifier", "3.12.4"), None);
    }

    #[test]
    fn lts_needs_marked_releases() {
        let mut r = releases(Scheme::Semver, &["20.18.0", "22.11.0", "23.3.0"]);
        let c: Constraint = "lts".parse().unwrap();
        let err = c.select(&r).unwrap_err().to_string();
        assert!(err.contains("node-dist"), "{err}");
        for (rel, lts) in r.iter_mut().zip([true, true, false]) {
            rel.lts = Some(lts);
        }
        assert_eq!(c.select(&r).unwrap().version.to_string(), "22.11.0");
    }

    #[test]
    fn nonsense_is_refused_with_the_grammar() {
        for bad in ["abc", "^", ">=x", "1..2", "~=1"] {
            let err = bad.parse::<Constraint>().unwrap_err();
            assert!(err.contains("\"^3.1\""), "{bad}: {err}");
        }
    }
}
