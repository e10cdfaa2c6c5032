//! The stylesheet and the script, embedded in the binary and served under
//! names that carry a hash of their content (`app.3f2a…css`): a browser may
//! keep them for a year without asking again, and a new release changes the
//! name. Compression happens in the web router's gzip layer.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    /// The name pages link to, with the content hash.
    name: String,
    content_type: &'static str,
    body: &'static [u8],
}

fn assets() -> &'static [Asset; 2] {
    static ASSETS: OnceLock<[Asset; 2]> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let asset = |stem: &str, extension: &str, content_type, body: &'static [u8]| Asset {
            name: format!("{stem}.{}.{extension}", &hex::encode(Sha256::digest(body))[..12]),
            content_type,
            body,
        };
        [
            asset("app", "css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
            asset("app", "js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
        ]
    })
}

/// The URL of the stylesheet.
pub fn stylesheet() -> String {
    format!("/static/{}", assets()[0].name)
}

/// The URL of the script.
pub fn script() -> String {
    format!("/static/{}", assets()[1].name)
}

/// `GET /static/{name}`: only the current hashed names exist.
pub async fn serve(Path(name): Path<String>) -> Response {
    match assets().iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            asset.body,
        )
            .into_response(),
        None => {
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not found").into_response()
        }
    }
}
