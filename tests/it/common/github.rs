//! A fixture GitHub: release objects and API pages in the REST API's
//! format, assets served at their download URLs, and checksum files.

use super::server::FixtureServer;
use super::sha256_hex;

/// One asset of a release page, as the API writes it.
pub(crate) fn asset_json(
    s: &FixtureServer,
    repo: &str,
    tag: &str,
    name: &str,
    digest: Option<&[u8]>,
) -> String {
    let digest = digest.map_or("null".to_string(), |b| {
        format!("\"sha256:{}\"", sha256_hex(b))
    });
    format!(
        r#"{{"url": "https://api.github.com/repos/{repo}/releases/assets/1", "id": 1, "node_id": "RA_x", "name": "{name}", "label": "", "content_type": "application/octet-stream", "state": "uploaded", "size": 1, "digest": {digest}, "download_count": 7, "created_at": "2024-11-13T15:00:00Z", "updated_at": "2024-11-13T15:00:00Z", "browser_download_url": "{}"}}"#,
        s.url(&format!("/dl/{repo}/{tag}/{name}"))
    )
}

/// Publishes a release: each asset served at its download URL, the
/// release object returned (for a page of the API).
pub(crate) fn release(
    s: &FixtureServer,
    repo: &str,
    tag: &str,
    assets: &[(&str, Vec<u8>)],
    api_digests: bool,
) -> String {
    let mut list = Vec::new();
    for (name, bytes) in assets {
        s.add(&format!("/dl/{repo}/{tag}/{name}"), bytes.clone());
        list.push(asset_json(
            s,
            repo,
            tag,
            name,
            api_digests.then_some(bytes.as_slice()),
        ));
    }
    format!(
        r#"{{"url": "https://api.github.com/repos/{repo}/releases/1", "html_url": "https://github.com/{repo}/releases/tag/{tag}", "id": 1, "tag_name": "{tag}", "target_commitish": "main", "name": "{tag}", "draft": false, "prerelease": false, "created_at": "2024-11-13T15:00:00Z", "published_at": "2024-11-13T15:00:00Z", "assets": [{}], "tarball_url": "x", "zipball_url": "y", "body": "notes"}}"#,
        list.join(", ")
    )
}

/// Serves `releases` as the first (only) page of `repo`'s releases.
pub(crate) fn page(s: &FixtureServer, repo: &str, releases: &[String]) {
    s.add(
        &format!("/api/repos/{repo}/releases?per_page=100"),
        format!("[{}]", releases.join(",\n")),
    );
}

/// A `SHA256SUMS`-style file of `files`.
pub(crate) fn sums(files: &[(&str, &[u8])]) -> Vec<u8> {
    files
        .iter()
        .map(|(n, b)| format!("{}  {n}\n", sha256_hex(b)))
        .collect::<String>()
        .into_bytes()
}

/// A script printing `name version`.
pub(crate) fn script(name: &str, version: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho {name} {version}\n").into_bytes()
}
