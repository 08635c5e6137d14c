//! Everything driftscan reads from Terraform. The serde types of Terraform's formats stay inside
//! this module; what leaves it is [`crate::resource::Resource`].

mod blocks;
pub mod region;
pub mod remote;
pub mod sensitive;
pub mod sources;
pub mod state;

pub use state::{load_states, StateFile};
