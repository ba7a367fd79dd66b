//! The alicloud provider: maps each resource type's create/read/update/delete onto Alibaba's API
//! actions, as the public alicloud Terraform provider does.
//!
//! Each resource type is a [`ResourceOps`] and each data source a [`DataOps`], registered in
//! [`resource_ops`] / [`data_ops`]; [`api::Api`] wraps the cloud with retries and client tokens.

pub mod api;
#[cfg(test)]
mod created_tests;
pub mod data_eip_addresses;
pub mod eip_address;
pub mod eip_association;
mod eip_read;
pub mod eip_segment_address;
pub mod public_ip_address_pool;
pub mod public_ip_address_pool_cidr_block;
pub mod targets;

use std::sync::Arc;

use crate::cloud::CloudApi;
use crate::provider::{
    Attrs, Deleted, OpContext, Provider, ProviderError, ReadItem, ReadMemo, ReadMemoAnswer,
    without_memos,
};
pub use api::Api;

/// One resource type's mapping onto API calls.
pub trait ResourceOps: Sync {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError>;
    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError>;
    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError>;
    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError>;
    /// Reads one object by its import id; by default, a read of that single id.
    fn import(&self, api: &Api, ctx: &OpContext, id: &str) -> Result<Option<Attrs>, ProviderError> {
        Ok(self
            .read(api, ctx, &[(id.to_string(), Default::default())])?
            .pop()
            .flatten())
    }
    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        client_token: &str,
    ) -> Result<Option<Attrs>, ProviderError>;
}

/// One data source's mapping onto API calls.
pub trait DataOps: Sync {
    fn read(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError>;
}

/// Takes primary type names (aliases are resolved by the engine through `schema`).
/// The resource types of the EIP family, then the association targets (see [`targets`]).
pub fn resource_ops(rtype: &str) -> Option<&'static dyn ResourceOps> {
    match rtype {
        "alicloud_eip_address" | "alicloud_eip" => Some(&eip_address::EipAddress),
        "alicloud_eip_association" => Some(&eip_association::EipAssociation),
        "alicloud_eip_segment_address" => Some(&eip_segment_address::EipSegmentAddress),
        "alicloud_vpc_public_ip_address_pool" => Some(&public_ip_address_pool::PublicIpAddressPool),
        "alicloud_vpc_public_ip_address_pool_cidr_block" => {
            Some(&public_ip_address_pool_cidr_block::PublicIpAddressPoolCidrBlock)
        }
        _ => targets::resource_ops(rtype),
    }
}

/// The data sources: EIP addresses here, the rest in [`targets`].
pub fn data_ops(dtype: &str) -> Option<&'static dyn DataOps> {
    match dtype {
        "alicloud_eip_addresses" | "alicloud_eips" => Some(&data_eip_addresses::EipAddresses),
        _ => targets::data_ops(dtype),
    }
}

/// The provider over one cloud endpoint.
pub struct AlicloudProvider {
    api: Api,
}

impl AlicloudProvider {
    pub fn new(cloud: Arc<dyn CloudApi>) -> AlicloudProvider {
        AlicloudProvider {
            api: Api::new(cloud),
        }
    }
}

fn unsupported(kind: &str, name: &str) -> ProviderError {
    ProviderError::Invalid(format!(
        "the alicloud provider does not support {kind} type {name:?}"
    ))
}

fn ops(rtype: &str) -> Result<&'static dyn ResourceOps, ProviderError> {
    resource_ops(rtype).ok_or_else(|| unsupported("resource", rtype))
}

impl Provider for AlicloudProvider {
    fn create(&self, ctx: &OpContext, rtype: &str, config: &Attrs) -> Result<Attrs, ProviderError> {
        ops(rtype)?.create(&self.api, ctx, config)
    }

    fn planned_create(&self, rtype: &str, config: &Attrs) -> Attrs {
        match rtype {
            "alicloud_eip_address" | "alicloud_eip" => eip_address::planned_create(config),
            _ => Attrs::new(),
        }
    }

    fn read(
        &self,
        ctx: &OpContext,
        rtype: &str,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        ops(rtype)?.read(&self.api, ctx, items)
    }

    fn read_memo(
        &self,
        ctx: &OpContext,
        rtype: &str,
        items: &[ReadItem],
        memos: &[Option<ReadMemo>],
    ) -> ReadMemoAnswer {
        // EIPs, most of a state, are recognised by their answers; other types are read.
        match rtype {
            "alicloud_eip_address" | "alicloud_eip" => {
                eip_read::read_memo(&self.api, ctx, items, memos)
            }
            _ => self.read(ctx, rtype, items).map(without_memos),
        }
    }

    fn read_concurrency(&self) -> Option<usize> {
        self.api.read_concurrency()
    }

    /// The page of ids of each type's describe call; 1 for types read one call per object.
    fn read_batch_size(&self, rtype: &str) -> usize {
        match rtype {
            "alicloud_instance"
            | "alicloud_security_group"
            | "alicloud_vpc_public_ip_address_pool"
            | "alicloud_ecs_network_interface"
            | "alicloud_network_interface" => 100,
            "alicloud_vpc"
            | "alicloud_vswitch"
            | "alicloud_vpc_ha_vip"
            | "alicloud_havip"
            | "alicloud_nat_gateway"
            | "alicloud_slb_load_balancer" => 20,
            "alicloud_vpc_ipv4_gateway" | "alicloud_kms_key" | "alicloud_eip_segment_address" => 1,
            _ => 50,
        }
    }

    fn update(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        ops(rtype)?.update(&self.api, ctx, id, prior, config, changed)
    }

    fn delete(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
        prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        ops(rtype)?.delete(&self.api, ctx, id, prior)
    }

    fn read_data(
        &self,
        ctx: &OpContext,
        dtype: &str,
        config: &Attrs,
    ) -> Result<Attrs, ProviderError> {
        data_ops(dtype)
            .ok_or_else(|| unsupported("data source", dtype))?
            .read(&self.api, ctx, config)
    }

    fn import(
        &self,
        ctx: &OpContext,
        rtype: &str,
        id: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        ops(rtype)?.import(&self.api, ctx, id)
    }

    fn find_by_token(
        &self,
        ctx: &OpContext,
        rtype: &str,
        client_token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        ops(rtype)?.find_by_token(&self.api, ctx, client_token)
    }
}
