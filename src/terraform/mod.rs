//! Everything driftscan reads from Terraform. The serde types of Terraform's formats stay inside
//! this module; what leaves it is [`crate::resource::Resource`].

mod blocks;
pub mod encryption;
pub mod http;
pub mod origin;
pub mod region;
pub mod remote;
pub mod sensitive;
mod sharing;
pub mod sources;
pub mod state;
pub mod tfc;

pub use state::{load_states, StateFile};

use serde_json::{Map, Value};

use crate::resource::{Declaration, Resource};

/// A resource as Terraform declares it (in a state or a plan's prior state): the id and, for AWS
/// types, the region are read from its attributes.
pub fn declared(rtype: &str, attributes: Map<String, Value>, declaration: Declaration) -> Resource {
    let id = attributes.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let region = if rtype.starts_with("aws_") { region::region_of(&attributes) } else { None };
    Resource { rtype: rtype.to_owned(), id, region, attributes, declared: Some(declaration), live: None }
}
