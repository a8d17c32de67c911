//! The command line: [`args`] defines it; each other module handles one command (or a
//! family) and [`env`] is the only place that reads the environment.

pub mod allocator;
pub mod args;
pub mod cache;
pub mod check;
pub mod env;
pub mod info;
pub mod install;
pub mod outputs;
pub mod policy;
pub mod portfolio;
pub mod rollout;
