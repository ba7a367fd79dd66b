//! Association targets and their networks: VPC, vSwitch, security group, IPv4 gateway, ECS
//! instance, ENI, NAT gateway, CLB, HAVIP, KMS key; and the catalog behind the non-EIP data
//! sources (zones, instance types, images, resource groups, enhanced NAT zones).
//!
//! The EIP association rules (S01-S10) read these objects by kind and Alibaba-style attribute
//! name (see each file's doc comment); they live with the EIP family, not here.

pub mod catalog;
pub mod common;
pub mod eni;
pub mod havip;
pub mod instance;
pub mod ipam;
pub mod ipv4_gateway;
pub mod kms;
pub mod nat;
pub mod security_group;
pub mod slb;
pub mod tags;
pub mod vpc;
pub mod vswitch;

#[cfg(test)]
mod tests;

use serde_json::Value;

use super::Ctx;
use crate::cloud::{CloudError, Params};

/// Runs `action` when it belongs to this family; `None` otherwise.
pub fn dispatch(
    ctx: &mut Ctx<'_>,
    action: &str,
    params: &Params,
) -> Option<Result<Value, CloudError>> {
    let result = match action {
        // VPC and vSwitch
        "CreateVpc" => vpc::create(ctx, params),
        "DescribeVpcs" => vpc::describe(ctx, params),
        "ModifyVpcAttribute" => vpc::modify(ctx, params),
        "DeleteVpc" => vpc::delete(ctx, params),
        "CreateVSwitch" => vswitch::create(ctx, params),
        "DescribeVSwitches" => vswitch::describe(ctx, params),
        "ModifyVSwitchAttribute" => vswitch::modify(ctx, params),
        "DeleteVSwitch" => vswitch::delete(ctx, params),
        // Security groups
        "CreateSecurityGroup" => security_group::create(ctx, params),
        "DescribeSecurityGroups" => security_group::describe(ctx, params),
        "DescribeSecurityGroupAttribute" => security_group::describe_attribute(ctx, params),
        "ModifySecurityGroupAttribute" => security_group::modify(ctx, params),
        "ModifySecurityGroupPolicy" => security_group::modify_policy(ctx, params),
        "DeleteSecurityGroup" => security_group::delete(ctx, params),
        // IPv4 gateways
        "CreateIpv4Gateway" => ipv4_gateway::create(ctx, params),
        "EnableVpcIpv4Gateway" => ipv4_gateway::enable(ctx, params),
        "DisableVpcIpv4Gateway" => ipv4_gateway::disable(ctx, params),
        "GetIpv4GatewayAttribute" => ipv4_gateway::get_attribute(ctx, params),
        "ListIpv4Gateways" => ipv4_gateway::list(ctx, params),
        "UpdateIpv4GatewayAttribute" => ipv4_gateway::update(ctx, params),
        "DeleteIpv4Gateway" => ipv4_gateway::delete(ctx, params),
        // ECS instances
        "RunInstances" => instance::run(ctx, params),
        "DescribeInstances" => instance::describe(ctx, params),
        "StopInstance" => instance::stop(ctx, params),
        "StartInstance" => instance::start(ctx, params),
        "ModifyInstanceAttribute" => instance::modify(ctx, params),
        "ModifyInstanceNetworkSpec" => instance::modify_network_spec(ctx, params),
        "ModifyInstanceVpcAttribute" => instance::modify_vpc_attribute(ctx, params),
        "AllocatePublicIpAddress" => instance::allocate_public_ip(ctx, params),
        "ModifyInstanceSpec" => instance::modify_spec(ctx, params),
        "ReplaceSystemDisk" => instance::replace_system_disk(ctx, params),
        "ResizeDisk" => instance::resize_disk(ctx, params),
        "DeleteInstance" => instance::delete(ctx, params),
        // Network interfaces
        "CreateNetworkInterface" => eni::create(ctx, params),
        "DescribeNetworkInterfaces" => eni::describe(ctx, params),
        "AttachNetworkInterface" => eni::attach(ctx, params),
        "DetachNetworkInterface" => eni::detach(ctx, params),
        "AssignPrivateIpAddresses" => eni::assign_ips(ctx, params),
        "UnassignPrivateIpAddresses" => eni::unassign_ips(ctx, params),
        "ModifyNetworkInterfaceAttribute" => eni::modify(ctx, params),
        "DeleteNetworkInterface" => eni::delete(ctx, params),
        // NAT gateways
        "CreateNatGateway" => nat::create(ctx, params),
        "DescribeNatGateways" => nat::describe(ctx, params),
        "ModifyNatGatewayAttribute" => nat::modify(ctx, params),
        "ModifyNatGatewaySpec" => nat::modify_spec(ctx, params),
        "DeleteNatGateway" => nat::delete(ctx, params),
        "DeletionProtection" => return nat::deletion_protection(ctx, params),
        // CLB
        "CreateLoadBalancer" => slb::create(ctx, params),
        "DescribeLoadBalancers" => slb::describe(ctx, params),
        "DescribeLoadBalancerAttribute" => slb::describe_attribute(ctx, params),
        "SetLoadBalancerName" => slb::set(ctx, params, &["LoadBalancerName"]),
        "SetLoadBalancerStatus" => slb::set(ctx, params, &[]),
        "SetLoadBalancerDeleteProtection" => slb::set(ctx, params, &["DeleteProtection"]),
        "SetLoadBalancerModificationProtection" => slb::set(
            ctx,
            params,
            &[
                "ModificationProtectionStatus",
                "ModificationProtectionReason",
            ],
        ),
        "ModifyLoadBalancerInternetSpec" => slb::set(ctx, params, &["InternetChargeType"]),
        "ModifyLoadBalancerInstanceSpec" => slb::set(ctx, params, &["LoadBalancerSpec"]),
        "DeleteLoadBalancer" => slb::delete(ctx, params),
        // HAVIP
        "CreateHaVip" => havip::create(ctx, params),
        "DescribeHaVips" => havip::describe(ctx, params),
        "ModifyHaVipAttribute" => havip::modify(ctx, params),
        "DeleteHaVip" => havip::delete(ctx, params),
        // KMS
        "CreateKey" => kms::create(ctx, params),
        "DescribeKey" => kms::describe(ctx, params),
        "UpdateKeyDescription" => kms::update_description(ctx, params),
        "EnableKey" => kms::set_enabled(ctx, params, true),
        "DisableKey" => kms::set_enabled(ctx, params, false),
        "UpdateRotationPolicy" => kms::update_rotation(ctx, params),
        "SetDeletionProtection" => kms::set_deletion_protection(ctx, params),
        "ScheduleKeyDeletion" => kms::schedule_deletion(ctx, params),
        "CancelKeyDeletion" => kms::cancel_deletion(ctx, params),
        "TagResource" => kms::tag(ctx, params),
        "UntagResource" => kms::untag(ctx, params),
        // Tags and resource groups of target kinds (EIPs fall through to their family)
        "TagResources" => return tags::tag(ctx, params),
        "UntagResources" | "UnTagResources" => return tags::untag(ctx, params),
        "MoveResourceGroup" | "JoinResourceGroup" | "ChangeResourceGroup" => {
            return tags::move_resource_group(ctx, params);
        }
        // Catalog
        "DescribeZones" => catalog::describe_zones(ctx, params),
        "DescribeInstanceTypes" => catalog::describe_instance_types(ctx, params),
        "DescribeImages" => catalog::describe_images(ctx, params),
        "ListResourceGroups" => catalog::list_resource_groups(ctx, params),
        "ListEnhanhcedNatGatewayAvailableZones" | "ListEnhancedNatGatewayAvailableZones" => {
            catalog::list_nat_zones(ctx, params)
        }
        _ => return None,
    };
    Some(result)
}
