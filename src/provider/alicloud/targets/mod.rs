//! Association targets and their supporting resources (VPC, vSwitch, security group, ECS
//! instance, ENI, NAT gateway, CLB, HAVIP, IPv4 gateway, KMS key) and the non-EIP data sources,
//! one file per type.

pub mod common;
mod enhanced_nat_zones;
mod ha_vip;
mod images;
mod instance;
mod instance_types;
mod ipv4_gateway;
mod kms_key;
mod nat_gateway;
mod network_interface;
mod resource_groups;
mod security_group;
mod slb_load_balancer;
mod vpc;
mod vpcs;
mod vswitch;
mod vswitches;
mod zones;

#[cfg(test)]
mod tests;

use super::{DataOps, ResourceOps};

/// The resource types of this family, by primary name (aliases accepted too).
pub fn resource_ops(rtype: &str) -> Option<&'static dyn ResourceOps> {
    Some(match rtype {
        "alicloud_vpc" => &vpc::Vpc,
        "alicloud_vswitch" => &vswitch::VSwitch,
        "alicloud_security_group" => &security_group::SecurityGroup,
        "alicloud_instance" => &instance::Instance,
        "alicloud_ecs_network_interface" | "alicloud_network_interface" => {
            &network_interface::NetworkInterface
        }
        "alicloud_nat_gateway" => &nat_gateway::NatGateway,
        "alicloud_slb_load_balancer" => &slb_load_balancer::LoadBalancer,
        "alicloud_vpc_ha_vip" | "alicloud_havip" => &ha_vip::HaVip,
        "alicloud_vpc_ipv4_gateway" => &ipv4_gateway::Ipv4Gateway,
        "alicloud_kms_key" => &kms_key::KmsKey,
        _ => return None,
    })
}

/// The non-EIP data sources.
pub fn data_ops(dtype: &str) -> Option<&'static dyn DataOps> {
    Some(match dtype {
        "alicloud_zones" => &zones::Zones,
        "alicloud_instance_types" => &instance_types::InstanceTypes,
        "alicloud_images" => &images::Images,
        "alicloud_resource_manager_resource_groups" => &resource_groups::ResourceGroups,
        "alicloud_enhanced_nat_available_zones" => &enhanced_nat_zones::EnhancedNatZones,
        "alicloud_vpcs" => &vpcs::Vpcs,
        "alicloud_vswitches" => &vswitches::VSwitches,
        _ => return None,
    })
}
