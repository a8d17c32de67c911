//! Dockerfile rules: they read [`crate::dockerfile::Dockerfile`] and judge the final stage
//! (the image that ships) or every `FROM`.

pub mod healthcheck;
pub mod pinned_base_image;
pub mod user_not_root;
