//! Everything driftscan reads from Terraform. The serde types of Terraform's formats stay inside
//! this module; what leaves it is [`crate::resource::Resource`].

pub mod region;
pub mod state;
pub mod sensitive;

pub use state::{load_states, StateFile};
