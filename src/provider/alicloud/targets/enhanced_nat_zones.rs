//! Data source `alicloud_enhanced_nat_available_zones`: `ListEnhanhcedNatGatewayAvailableZones`
//! (Alibaba's spelling), filtered by `ids`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::provider::alicloud::{Api, DataOps};
use crate::provider::{Attrs, OpContext, ProviderError};

pub struct EnhancedNatZones;

impl DataOps for EnhancedNatZones {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let answer = api.call(
            ctx,
            "ListEnhanhcedNatGatewayAvailableZones",
            crate::cloud::Params::new(),
        )?;
        let wanted = c::list(config, &["ids"]).filter(|l| !l.is_empty());
        let zones: Vec<Value> = answer
            .get("Zones")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|z| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&c::js(z, "ZoneId")))
            })
            .collect();
        let ids: Vec<String> = zones.iter().map(|z| c::js(z, "ZoneId")).collect();
        let items: Vec<Value> = zones
            .iter()
            .map(|z| json!({"zone_id": c::js(z, "ZoneId"), "local_name": c::js(z, "LocalName")}))
            .collect();
        let mut o = Out::new(&c::data_id(&ids), config);
        o.set("ids", json!(ids)).set("zones", Value::Array(items));
        Ok(o.finish("alicloud_enhanced_nat_available_zones", true))
    }
}
