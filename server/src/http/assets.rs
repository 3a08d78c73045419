//! How the browser bundle and the pages travel: the bundle's files under
//! `/pkg/` are served precompressed (brotli or gzip, whichever the browser
//! accepts) and, under their content-hashed names, cached for a year; pages
//! are revalidated on every visit; everything dynamic is compressed on the
//! fly, except server push, whose events must leave at once.
//!
//! `scripts/build` names each file of the bundle after a hash of its content
//! and lists those names in the site's `hash.txt` (Leptos's format:
//! `js: …`, `wasm: …`, `css: …`, and for the lazily loaded parts
//! `split: …`, their loader, and `parts: …`, the list of the parts each
//! lazily loaded page needs, which the pages name in their heads); a change
//! of content is a change of name, so a cached copy can never be stale.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::services::ServeDir;

use bosun_app::lazy_pages::LazyParts;

use super::security_headers::is_html;

/// Where the bundle is served from, below the site's root.
pub const PKG_DIR: &str = "pkg";
/// The list of hashed names, in the site's root (not served from `/pkg/`).
const HASH_FILE: &str = "hash.txt";

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The bundle as one build left it.
#[derive(Clone, Debug, Default)]
pub struct SiteAssets {
    /// The site's `hash.txt`, when the build wrote one.
    hash_file: Option<PathBuf>,
    /// The file names under `/pkg/` that carry a content hash.
    hashed: Arc<HashSet<String>>,
    /// The parts each lazily loaded page needs, when the bundle is split.
    lazy_parts: Option<LazyParts>,
}

impl SiteAssets {
    /// Reads the site's `hash.txt`. A site without one (a bundle built by
    /// hand, or none at all, as in the integration tests) is served under
    /// the plain names, revalidated on each use; a site whose `hash.txt`
    /// names files that are missing is said so in the log, as the pages
    /// would not come alive.
    pub fn load(site_root: &Path, output_name: &str) -> anyhow::Result<Self> {
        let hash_file = site_root.join(HASH_FILE);
        let listing = match std::fs::read_to_string(&hash_file) {
            Ok(listing) => listing,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(error) => {
                return Err(anyhow::anyhow!("reading {}: {error}", hash_file.display()));
            }
        };
        let listed = parse_hash_file(&listing, output_name)
            .map_err(|problem| anyhow::anyhow!("{}: {problem}", hash_file.display()))?;
        let mut hashed = listed.names;
        let mut lazy_parts = None;
        if let Some(manifest) = listed.manifest {
            // A missing manifest is said below, as a missing file: only
            // the lazily loaded pages would be amiss.
            let path = site_root.join(PKG_DIR).join(&manifest);
            if let Ok(content) = std::fs::read_to_string(&path) {
                let needs = parse_split_manifest(&content)
                    .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
                hashed.extend(needs.values().flatten().cloned());
                lazy_parts = listed.loader.map(|loader| LazyParts {
                    loader: format!("/{PKG_DIR}/{loader}"),
                    needs: Arc::new(
                        needs
                            .into_iter()
                            .map(|(page, parts)| {
                                let paths = parts
                                    .iter()
                                    .map(|part| format!("/{PKG_DIR}/{part}"))
                                    .collect();
                                (page, paths)
                            })
                            .collect(),
                    ),
                });
            }
            hashed.insert(manifest);
        }
        for name in &hashed {
            let path = site_root.join(PKG_DIR).join(name);
            if !path.is_file() {
                tracing::warn!(
                    file = %path.display(),
                    "the site's hash.txt names a file that is not there: pages will not hydrate \
                     until the site is built again (scripts/start or scripts/dev)"
                );
            }
        }
        Ok(Self {
            hash_file: Some(std::path::absolute(&hash_file)?),
            hashed: Arc::new(hashed),
            lazy_parts,
        })
    }

    /// The `hash.txt` Leptos should read the names from, if any. Leptos
    /// joins this to the directory of the running executable; an absolute
    /// path replaces that directory, so the names come from the site that
    /// is served, whichever binary serves it.
    pub fn hash_file(&self) -> Option<&Path> {
        self.hash_file.as_deref()
    }

    /// The parts each lazily loaded page needs, for the pages to name in
    /// their heads; none when the bundle is not split.
    pub fn lazy_parts(&self) -> Option<&LazyParts> {
        self.lazy_parts.as_ref()
    }
}

/// What `hash.txt` names.
#[derive(Debug, Default)]
struct HashListing {
    /// The files under `/pkg/` it names outright.
    names: HashSet<String>,
    /// The lazily loaded parts' loader (`__wasm_split.<hash>.js`), when the
    /// bundle is split.
    loader: Option<String>,
    /// The lazily loaded parts' manifest (`parts.<hash>.json`), which
    /// names the parts, when the bundle is split.
    manifest: Option<String>,
}

/// The file names `hash.txt` gives the bundle's parts: `js: abc` names
/// `bosun.abc.js`, `split: abc` the parts' loader `__wasm_split.abc.js`,
/// `parts: abc` their manifest `parts.abc.json`. (Not leptos's
/// `manifest: abc`: leptos would then add the parts' preload links itself,
/// from outside the page's reactive owner, see
/// `bosun_app::lazy_pages::LazyParts`.)
fn parse_hash_file(listing: &str, output_name: &str) -> Result<HashListing, String> {
    let mut listed = HashListing::default();
    for line in listing
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        let Some((kind, hash)) = line.split_once(':') else {
            return Err(format!("`{line}` is not `kind: hash`"));
        };
        let (kind, hash) = (kind.trim(), hash.trim());
        if hash.is_empty() || !hash.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(format!("`{hash}` is not a hash"));
        }
        match kind {
            "js" | "wasm" | "css" => {
                listed.names.insert(format!("{output_name}.{hash}.{kind}"));
            }
            "split" => {
                let loader = format!("__wasm_split.{hash}.js");
                listed.names.insert(loader.clone());
                listed.loader = Some(loader);
            }
            "parts" => listed.manifest = Some(format!("parts.{hash}.json")),
            other => return Err(format!("unknown kind `{other}`")),
        }
    }
    Ok(listed)
}

/// The parts' manifest: each lazily loaded function → the files under
/// `/pkg/` of the parts it needs (the manifest names them without `.wasm`).
fn parse_split_manifest(content: &str) -> Result<HashMap<String, Vec<String>>, String> {
    let manifest: HashMap<String, Vec<String>> =
        serde_json::from_str(content).map_err(|error| format!("not a manifest: {error}"))?;
    manifest
        .into_iter()
        .map(|(page, parts)| {
            let files = parts
                .into_iter()
                .map(|part| {
                    let plain = !part.is_empty()
                        && !part.starts_with('.')
                        && part.bytes().all(|byte| {
                            byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.'
                        });
                    if plain {
                        Ok(format!("{part}.wasm"))
                    } else {
                        Err(format!("`{part}` is not the name of a part"))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((page, files))
        })
        .collect()
}

/// `/pkg/…`: the bundle's files from the site, precompressed by the build.
pub fn pkg_router(site_root: &Path, assets: SiteAssets) -> Router {
    let files = ServeDir::new(site_root.join(PKG_DIR))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(assets, cache_bundle))
}

/// A year for a hashed name (its content never changes), a check with the
/// server each time for anything else. The answer depends on the
/// browser's `Accept-Encoding`, which caches must key on.
async fn cache_bundle(State(assets): State<SiteAssets>, request: Request, next: Next) -> Response {
    let name = request.uri().path().trim_start_matches('/').to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let cache = if assets.hashed.contains(&name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    headers.insert(header::CACHE_CONTROL, cache);
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Pages that did not say otherwise are checked with the server before a
/// cached copy is shown (signed-in pages say `private, no-store` as they
/// render: they must not be kept at all).
pub async fn revalidate_pages(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if is_html(response.headers()) && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, REVALIDATE);
    }
    response
}

/// Compresses what is made per request (pages, JSON, exports) for
/// browsers that accept brotli or gzip. Server push (`text/event-stream`)
/// is left alone: an encoder holds bytes back until it has enough, and an
/// event must reach the page when it happens. The bundle arrives already
/// compressed. Brotli's quality 4 costs about what gzip does, where its
/// best (11, used at build time) would cost a hundred times more per
/// request.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_txt_names_the_hashed_files() {
        let listed = parse_hash_file(
            "js: abc123\nwasm: def456\n\ncss: 0f0f\nsplit: abc123\nparts: 99aa\n",
            "bosun",
        )
        .unwrap();
        let mut names: Vec<_> = listed.names.into_iter().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "__wasm_split.abc123.js",
                "bosun.0f0f.css",
                "bosun.abc123.js",
                "bosun.def456.wasm"
            ]
        );
        assert_eq!(listed.loader.as_deref(), Some("__wasm_split.abc123.js"));
        assert_eq!(listed.manifest.as_deref(), Some("parts.99aa.json"));
    }

    #[test]
    fn a_hash_that_could_climb_out_of_pkg_is_refused() {
        assert!(parse_hash_file("js: ../../etc", "bosun").is_err());
        assert!(parse_hash_file("parts: ../../etc", "bosun").is_err());
        assert!(parse_hash_file("exe: abc", "bosun").is_err());
        assert!(parse_hash_file("js abc", "bosun").is_err());
    }

    #[test]
    fn the_manifest_names_the_parts_and_nothing_outside_pkg() {
        let parts = parse_split_manifest(
            r#"{"a_1": ["chunk_0.aa11", "split_a_1.bb22"], "b_2": ["chunk_0.aa11"]}"#,
        )
        .unwrap();
        assert_eq!(parts["a_1"], ["chunk_0.aa11.wasm", "split_a_1.bb22.wasm"]);
        assert_eq!(parts["b_2"], ["chunk_0.aa11.wasm"]);
        for bad in [
            r#"{"a": ["../../etc/passwd"]}"#,
            r#"{"a": ["sub/part"]}"#,
            r#"{"a": [".."]}"#,
            r#"{"a": [""]}"#,
            r#"["chunk_0"]"#,
        ] {
            assert!(parse_split_manifest(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_split_site_gives_the_pages_their_parts_and_caches_them_for_good() {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join(PKG_DIR);
        std::fs::create_dir(&pkg).unwrap();
        std::fs::write(
            site.path().join(HASH_FILE),
            "js: aa\nwasm: bb\ncss: cc\nsplit: aa\nparts: dd\n",
        )
        .unwrap();
        std::fs::write(
            pkg.join("parts.dd.json"),
            r#"{"security_route_view_1": ["chunk_0.ee", "split_security.ff"]}"#,
        )
        .unwrap();

        let assets = SiteAssets::load(site.path(), "bosun").unwrap();
        let parts = assets.lazy_parts().expect("a split site has parts");
        assert_eq!(parts.loader, "/pkg/__wasm_split.aa.js");
        assert_eq!(
            parts.needs["security_route_view_1"],
            ["/pkg/chunk_0.ee.wasm", "/pkg/split_security.ff.wasm"]
        );
        for name in [
            "__wasm_split.aa.js",
            "parts.dd.json",
            "chunk_0.ee.wasm",
            "split_security.ff.wasm",
        ] {
            assert!(assets.hashed.contains(name), "{name}");
        }
    }

    #[test]
    fn an_unsplit_site_names_no_parts() {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join(HASH_FILE), "js: aa\nwasm: bb\ncss: cc\n").unwrap();
        assert!(
            SiteAssets::load(site.path(), "bosun")
                .unwrap()
                .lazy_parts()
                .is_none()
        );
    }
}
