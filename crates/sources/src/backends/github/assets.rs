//! Which release asset serves which platform: the documented selection
//! rules, and `asset = "..."` templates.

use super::GhAsset;
use devenv_model::archive::Format;
use devenv_model::platform::{ARCH_TABLE, Libc, OS_TABLE, Platform};

/// Asset names that are never the tool: checksums, signatures, SBOMs,
/// source archives, packages for system installers.
fn is_noise(lower: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".sha256",
        ".sha512",
        ".sha1",
        ".md5",
        ".sig",
        ".asc",
        ".pem",
        ".cert",
        ".crt",
        ".sbom",
        ".spdx",
        ".json",
        ".jsonl",
        ".txt",
        ".deb",
        ".rpm",
        ".apk",
        ".msi",
        ".exe",
        ".pkg",
        ".dmg",
        ".sha256sum",
        ".bundle",
        ".sigstore",
        ".yaml",
        ".yml",
        ".vsix",
    ];
    const WORDS: &[&str] = &[
        "checksums",
        "sha256sums",
        "sbom",
        "source",
        "src",
        "sources",
        "vendor",
    ];
    SUFFIXES.iter().any(|s| lower.ends_with(s))
        || WORDS.iter().any(|w| has_word(lower, w))
        // Single compressed files are not archives devenv unpacks.
        || (lower.ends_with(".gz") && !lower.ends_with(".tar.gz"))
        || lower.ends_with(".bz2")
        || lower.ends_with(".7z")
}

/// Whether `word` occurs in `name` between non-alphanumeric characters.
fn has_word(name: &str, word: &str) -> bool {
    name.match_indices(word).any(|(i, _)| {
        let before = name[..i].chars().next_back();
        let after = name[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Words naming platforms devenv does not pin for.
const OTHER_OS: &[&str] = &[
    "windows",
    "win",
    "win32",
    "win64",
    "freebsd",
    "netbsd",
    "openbsd",
    "android",
    "illumos",
    "solaris",
    "dragonfly",
    "aix",
    "plan9",
];
const OTHER_ARCH: &[&str] = &[
    "i386", "i686", "386", "x86", "arm", "armv6", "armv7", "armhf", "armel", "s390x", "ppc64le",
    "ppc64", "riscv64", "mips", "mipsle", "mips64", "loong64", "32bit",
];

/// How well an asset fits a platform; `None` when it does not.
fn score(name: &str, platform: Platform, libc: Libc) -> Option<(u8, u8, u8)> {
    let lower = name.to_ascii_lowercase();
    if is_noise(&lower) {
        return None;
    }
    fit(&lower, platform, libc)
}

/// Whether a macOS installer (`.pkg`, `.dmg`) is what `assets` offers
/// `platform` when no archive or binary does: the asset the error names,
/// so that "no asset" reads as "only an installer", which devenv does
/// not run (it writes outside the store, as root).
pub(crate) fn installer_only(
    assets: &[GhAsset],
    platform: Platform,
    libc: Libc,
) -> Option<&GhAsset> {
    assets.iter().find(|a| {
        let lower = a.name.to_ascii_lowercase();
        (lower.ends_with(".pkg") || lower.ends_with(".dmg"))
            && fit(&lower, platform, libc).is_some()
    })
}

/// [`score`] for a lower-cased name already known not to be noise.
fn fit(lower: &str, platform: Platform, libc: Libc) -> Option<(u8, u8, u8)> {
    let lower = lower.to_string();
    let os_row = platform.os.row();
    if !os_row.aliases.iter().any(|a| has_word(&lower, a)) {
        return None;
    }
    let other_os = OS_TABLE
        .iter()
        .filter(|r| r.os != platform.os)
        .flat_map(|r| r.aliases.iter())
        .chain(OTHER_OS)
        .any(|a| has_word(&lower, a));
    if other_os {
        return None;
    }
    let mine = platform
        .arch
        .row()
        .aliases
        .iter()
        .any(|a| has_word(&lower, a));
    let others = ARCH_TABLE
        .iter()
        .filter(|r| r.arch != platform.arch)
        .flat_map(|r| r.aliases.iter())
        .chain(OTHER_ARCH)
        .any(|a| has_word(&lower, a));
    let universal = has_word(&lower, "universal") || has_word(&lower, "all");
    let arch = match (mine, others) {
        (true, _) => 3,
        (false, false) if universal => 2,
        (false, false) => 1,
        (false, true) => return None,
    };
    let musl = has_word(&lower, "musl") || lower.contains("linux-musl");
    let libc_fit = match (libc, musl) {
        (Libc::Musl, true) | (Libc::Gnu, false) => 1,
        _ => 0,
    };
    let archive = u8::from(Format::from_url(&lower) != Format::Binary);
    Some((arch, libc_fit, archive))
}

/// The asset of `assets` for `platform`: it must name the platform's OS
/// (one of the aliases in [`OS_TABLE`]) and no other; among those, one
/// naming the CPU (aliases in [`ARCH_TABLE`]) beats a universal build,
/// which beats one naming no CPU; one naming another CPU is out. Then the
/// libc of this machine (`-gnu` or no libc word before `-musl` on glibc,
/// the reverse on musl), then an archive before a bare binary, then the
/// shortest name. Checksums, signatures, SBOMs, source archives and system
/// packages are never chosen.
pub(crate) fn select_asset(assets: &[GhAsset], platform: Platform, libc: Libc) -> Option<&GhAsset> {
    assets
        .iter()
        .filter_map(|a| score(&a.name, platform, libc).map(|s| (s, a)))
        .max_by(|(sa, a), (sb, b)| {
            sa.cmp(sb)
                .then_with(|| b.name.len().cmp(&a.name.len()))
                .then_with(|| b.name.cmp(&a.name))
        })
        .map(|(_, a)| a)
}

/// Whether `name` is what the template `asset` (`{version}`, `{os}`,
/// `{arch}`) gives for `version` and `platform`: `{os}` and `{arch}` stand
/// for any of the platform's aliases, case-insensitively.
pub(crate) fn matches_template(
    template: &str,
    name: &str,
    version: &str,
    platform: Platform,
) -> bool {
    fn go(t: &str, n: &str, version: &str, platform: Platform) -> bool {
        if t.is_empty() {
            return n.is_empty();
        }
        let alts: Vec<&str> = if let Some(rest) = t.strip_prefix("{version}") {
            return [version.to_string(), format!("v{version}")]
                .iter()
                .any(|v| prefix_ci(n, v).is_some_and(|r| go(rest, r, version, platform)));
        } else if t.starts_with("{os}") {
            platform.os.row().aliases.to_vec()
        } else if t.starts_with("{arch}") {
            platform.arch.row().aliases.to_vec()
        } else {
            let c = t.chars().next().expect("not empty");
            return n.chars().next().is_some_and(|d| d.eq_ignore_ascii_case(&c))
                && go(
                    &t[c.len_utf8()..],
                    &n[n.chars().next().map_or(0, char::len_utf8)..],
                    version,
                    platform,
                );
        };
        let rest = &t[t.find('}').map_or(t.len(), |i| i + 1)..];
        alts.iter()
            .any(|a| prefix_ci(n, a).is_some_and(|r| go(rest, r, version, platform)))
    }
    go(template, name, version, platform)
}

/// `s` without the prefix `p` (compared case-insensitively).
fn prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    (s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p))
        .then(|| &s[p.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(names: &[&str]) -> Vec<GhAsset> {
        names
            .iter()
            .map(|n| GhAsset {
                name: n.to_string(),
                browser_download_url: format!("https://dl/{n}"),
                digest: None,
            })
            .collect()
    }

    fn pick(names: &[&str], platform: &str, libc: Libc) -> Option<String> {
        let a = assets(names);
        select_asset(&a, platform.parse().unwrap(), libc).map(|a| a.name.clone())
    }

    #[test]
    fn selects_assets_by_the_documented_rules() {
        let gh = [
            "gh_2.63.0_checksums.txt",
            "gh_2.63.0_linux_386.tar.gz",
            "gh_2.63.0_linux_amd64.deb",
            "gh_2.63.0_linux_amd64.tar.gz",
            "gh_2.63.0_linux_arm64.tar.gz",
            "gh_2.63.0_linux_armv6.tar.gz",
            "gh_2.63.0_macOS_amd64.zip",
            "gh_2.63.0_macOS_arm64.zip",
            "gh_2.63.0_windows_amd64.zip",
        ];
        let g = Libc::Gnu;
        assert_eq!(
            pick(&gh, "linux-x86_64", g).unwrap(),
            "gh_2.63.0_linux_amd64.tar.gz"
        );
        assert_eq!(
            pick(&gh, "linux-aarch64", g).unwrap(),
            "gh_2.63.0_linux_arm64.tar.gz"
        );
        assert_eq!(
            pick(&gh, "macos-aarch64", g).unwrap(),
            "gh_2.63.0_macOS_arm64.zip"
        );
        let rg = [
            "ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz",
            "ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz.sha256",
            "ripgrep-14.1.1-aarch64-unknown-linux-gnu.tar.gz",
            "ripgrep-14.1.1-x86_64-unknown-linux-gnu.tar.gz",
            "ripgrep-14.1.1-aarch64-apple-darwin.tar.gz",
            "ripgrep-14.1.1-x86_64-pc-windows-msvc.zip",
            "ripgrep_14.1.1-1_amd64.deb",
        ];
        assert_eq!(
            pick(&rg, "linux-x86_64", g).unwrap(),
            "ripgrep-14.1.1-x86_64-unknown-linux-gnu.tar.gz"
        );
        assert_eq!(
            pick(&rg, "linux-x86_64", Libc::Musl).unwrap(),
            "ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz"
        );
        assert_eq!(pick(&rg, "macos-x86_64", g), None);
        // Bare binaries when that is all there is; an archive wins a tie.
        let jq = [
            "jq-linux-amd64",
            "jq-linux-arm64",
            "jq-macos-arm64",
            "jq-1.7.1.tar.gz",
            "sha256sum.txt",
        ];
        assert_eq!(pick(&jq, "linux-aarch64", g).unwrap(), "jq-linux-arm64");
        assert_eq!(pick(&jq, "macos-aarch64", g).unwrap(), "jq-macos-arm64");
        // jq 1.6 named its Linux build `jq-linux64`.
        let old_jq = ["jq-linux64", "jq-osx-amd64", "jq-win64.exe"];
        assert_eq!(pick(&old_jq, "linux-x86_64", g).unwrap(), "jq-linux64");
        assert_eq!(pick(&old_jq, "linux-aarch64", g), None);
        let both = ["t-linux-amd64", "t-linux-amd64.tar.gz"];
        assert_eq!(
            pick(&both, "linux-x86_64", g).unwrap(),
            "t-linux-amd64.tar.gz"
        );
        // A universal macOS build serves both CPUs.
        let uni = ["t-darwin-universal.tar.gz", "t-linux-x86_64.tar.gz"];
        assert_eq!(
            pick(&uni, "macos-x86_64", g).unwrap(),
            "t-darwin-universal.tar.gz"
        );
    }

    /// Issue 28 item 3: what each macOS CPU gets, from release layouts
    /// real projects publish.
    #[test]
    fn macos_assets_for_each_cpu() {
        let g = Libc::Gnu;
        // A universal build beats one naming no CPU, and loses to one
        // naming the CPU.
        let mixed = [
            "t-1.0-macos-universal.tar.gz",
            "t-1.0-macos-arm64.tar.gz",
            "t-1.0-macos.tar.gz",
        ];
        assert_eq!(
            pick(&mixed, "macos-aarch64", g).unwrap(),
            "t-1.0-macos-arm64.tar.gz"
        );
        assert_eq!(
            pick(&mixed, "macos-x86_64", g).unwrap(),
            "t-1.0-macos-universal.tar.gz"
        );
        // `darwin`, `osx`, `apple-darwin` and `mac` all name macOS; `x64`,
        // `amd64` and `x86_64`, `arm64` and `aarch64` the CPUs.
        let names = [
            ("tool_Darwin_x86_64.tar.gz", "tool_Darwin_arm64.tar.gz"),
            ("tool-osx-x64.zip", "tool-osx-arm64.zip"),
            (
                "tool-x86_64-apple-darwin.tar.gz",
                "tool-aarch64-apple-darwin.tar.gz",
            ),
            ("tool-mac-amd64.tar.xz", "tool-mac-aarch64.tar.xz"),
        ];
        for (intel, arm) in names {
            let both = [intel, arm, "tool-linux-amd64.tar.gz"];
            assert_eq!(pick(&both, "macos-x86_64", g).unwrap(), intel);
            assert_eq!(pick(&both, "macos-aarch64", g).unwrap(), arm);
        }
        // An Intel-only release has nothing for arm64 here (the aqua
        // registry's `rosetta2` says when to use it; see aqua/resolve.rs).
        assert_eq!(pick(&["t-darwin-amd64.tar.gz"], "macos-aarch64", g), None);
        // Installers are never chosen; they are what the error names.
        let pkg = [
            "t-1.0-darwin-arm64.pkg",
            "t-1.0-linux-arm64.tar.gz",
            "t-1.0.dmg",
        ];
        assert_eq!(pick(&pkg, "macos-aarch64", g), None);
        let a = assets(&pkg);
        let mac: Platform = "macos-aarch64".parse().unwrap();
        assert_eq!(
            installer_only(&a, mac, g).unwrap().name,
            "t-1.0-darwin-arm64.pkg"
        );
        let linux: Platform = "linux-aarch64".parse().unwrap();
        assert!(installer_only(&a, linux, g).is_none());
        // A `.dmg` that names macOS but no CPU is the installer for both.
        let dmg = assets(&["Tool-1.0-mac.dmg", "tool-1.0-linux-x64.tar.gz"]);
        let intel: Platform = "macos-x86_64".parse().unwrap();
        assert_eq!(
            installer_only(&dmg, intel, g).unwrap().name,
            "Tool-1.0-mac.dmg"
        );
    }

    #[test]
    fn asset_templates_accept_any_alias() {
        let p: Platform = "macos-aarch64".parse().unwrap();
        let t = "gh_{version}_{os}_{arch}.zip";
        assert!(matches_template(
            t,
            "gh_2.63.0_macOS_arm64.zip",
            "2.63.0",
            p
        ));
        assert!(!matches_template(
            t,
            "gh_2.63.0_macOS_amd64.zip",
            "2.63.0",
            p
        ));
        assert!(matches_template(
            "tool-{version}.tgz",
            "tool-v1.0.0.tgz",
            "1.0.0",
            p
        ));
        assert!(!matches_template(
            "tool-{version}.tgz",
            "tool-v1.0.0.tgz.sig",
            "1.0.0",
            p
        ));
    }
}
