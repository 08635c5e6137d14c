//! stub
use super::{Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Service};
use crate::resource::Resource;
pub const SERVICE: ServiceSpec =
    ServiceSpec { service: Service::ApiGatewayV2, event_source: "", events: &[], lists: &[], types: &[] };
pub(super) async fn list(_ctx: &Ctx<'_>, _family: &ListSpec, _wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    Ok(Vec::new())
}
