//! The site's icon and web manifest, built into the binary: pages link
//! `/favicon.svg` (and `/favicon.ico` for browsers that take no SVG, and
//! which browsers and crawlers ask for on their own), phones and installed
//! apps use the PNGs the manifest names. The PNGs and the ICO are the SVG
//! drawn at 32, 192 and 512 pixels.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// A day: the names are fixed, so a changed icon must reach browsers
/// within a reasonable time.
const CACHE: &str = "public, max-age=86400";

const SVG: &str = include_str!("icons/favicon.svg");
const ICO: &[u8] = include_bytes!("icons/favicon.ico");
const PNG_192: &[u8] = include_bytes!("icons/icon-192.png");
const PNG_512: &[u8] = include_bytes!("icons/icon-512.png");

/// What a browser needs to install Bosun as an app: its name, where it
/// starts, its colours and icons.
const MANIFEST: &str = r##"{
  "name": "Bosun",
  "short_name": "Bosun",
  "description": "The control layer for your organization's AI agents.",
  "start_url": "/inbox",
  "scope": "/",
  "display": "standalone",
  "background_color": "#ffffff",
  "theme_color": "#1f5fbf",
  "icons": [
    { "src": "/favicon.svg", "type": "image/svg+xml", "sizes": "any" },
    { "src": "/icon-192.png", "type": "image/png", "sizes": "192x192" },
    { "src": "/icon-512.png", "type": "image/png", "sizes": "512x512" }
  ]
}
"##;

/// The routes of the icons and the manifest.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/favicon.svg",
            get(|| serve("image/svg+xml", SVG.as_bytes())),
        )
        .route("/favicon.ico", get(|| serve("image/x-icon", ICO)))
        .route("/icon-192.png", get(|| serve("image/png", PNG_192)))
        .route("/icon-512.png", get(|| serve("image/png", PNG_512)))
        .route(
            "/manifest.webmanifest",
            get(|| serve("application/manifest+json", MANIFEST.as_bytes())),
        )
}

async fn serve(content_type: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE),
        ],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_json_naming_icons_that_are_served() {
        let manifest: serde_json::Value = serde_json::from_str(MANIFEST).unwrap();
        let sources: Vec<&str> = manifest["icons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|icon| icon["src"].as_str().unwrap())
            .collect();
        assert_eq!(sources, ["/favicon.svg", "/icon-192.png", "/icon-512.png"]);
        assert!(PNG_192.starts_with(b"\x89PNG") && PNG_512.starts_with(b"\x89PNG"));
        // An ICO directory of one image, that image a PNG.
        assert!(ICO.starts_with(&[0, 0, 1, 0, 1, 0]));
        assert_eq!(&ICO[22..26], b"\x89PNG");
    }
}
