//! Data source `alicloud_resource_manager_resource_groups`: `ListResourceGroups`, filtered by
//! `ids`, `name_regex`, `resource_group_name` and `status`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct ResourceGroups;

impl DataOps for ResourceGroups {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = crate::cloud::Params::new();
        c::put(&mut p, "Status", c::ne(config, &["status"]));
        c::put(&mut p, "Name", c::ne(config, &["resource_group_name"]));
        let groups = c::all_pages(
            api,
            ctx,
            "ListResourceGroups",
            p,
            100,
            "ResourceGroups",
            "ResourceGroup",
        )?;
        let regex = c::name_filter(config)?;
        let wanted = c::list(config, &["ids"]).filter(|l| !l.is_empty());
        let groups: Vec<Value> = groups
            .into_iter()
            .filter(|g| wanted.as_ref().is_none_or(|w| w.contains(&c::js(g, "Id"))))
            .filter(|g| regex.as_ref().is_none_or(|r| r.is_match(&c::js(g, "Name"))))
            .collect();
        let ids: Vec<String> = groups.iter().map(|g| c::js(g, "Id")).collect();
        let names: Vec<String> = groups.iter().map(|g| c::js(g, "Name")).collect();
        let items: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({
                    "id": c::js(g, "Id"),
                    "name": c::js(g, "Name"),
                    "resource_group_name": c::js(g, "Name"),
                    "display_name": c::js(g, "DisplayName"),
                    "status": c::js(g, "Status"),
                    "account_id": c::js(g, "AccountId"),
                    "create_date": c::js(g, "CreateDate"),
                    "region_statuses": [],
                })
            })
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("ids", json!(ids))
            .set("names", json!(names))
            .set("groups", Value::Array(items));
        Ok(o.finish("alicloud_resource_manager_resource_groups", true))
    }
}
