//! Association rules S01-S10 (and G06 for members of contiguous groups). [`check_request`] is the
//! static part (S01, S07's mode values, S10's `VpcId`); [`check_target`] reads the target from the
//! `objects` table (kinds `instance`, `eni`, `nat_gateway`, `slb`, `havip`, `vpc`) and the EIPs
//! already on it (indexed by `InstanceId`).

use serde_json::Value;

use crate::cloud::CloudError;
use crate::cloud::sim::{Ctx, Obj};

/// S01: the target types.
pub const INSTANCE_TYPES: &[&str] = &[
    "EcsInstance",
    "SlbInstance",
    "Nat",
    "HaVip",
    "NetworkInterface",
    "IpAddress",
];

/// The association modes (S07).
pub const MODES: &[&str] = &["NAT", "BINDED", "MULTI_BINDED"];

/// S08: EIPs per NAT gateway.
pub const NAT_MAX_EIPS: usize = 20;

/// S07: EIPs per ENI in MULTI_BINDED mode.
pub const MULTI_BINDED_MAX_EIPS: usize = 10;

/// S01: the type a target id implies when none is given (`lb-` CLB, `ngw-` NAT, else ECS).
pub fn infer_type(instance_id: &str) -> &'static str {
    if instance_id.starts_with("lb-") {
        "SlbInstance"
    } else if instance_id.starts_with("ngw-") {
        "Nat"
    } else {
        "EcsInstance"
    }
}

/// What an association asks for.
#[derive(Debug, Default, Clone)]
pub struct AssocRequest<'a> {
    pub instance_id: &'a str,
    pub instance_type: Option<&'a str>,
    pub mode: Option<&'a str>,
    pub private_ip: Option<&'a str>,
    pub vpc_id: Option<&'a str>,
}

/// S01, S07 (mode values), S10 (`VpcId` for IpAddress): the static checks. Returns the type.
pub fn check_request(req: &AssocRequest<'_>) -> Result<&'static str, CloudError> {
    let ty = match req.instance_type {
        None => infer_type(req.instance_id),
        Some(t) => INSTANCE_TYPES
            .iter()
            .find(|k| **k == t)
            .copied()
            .ok_or_else(|| {
                CloudError::new(
                    "InvalidInstanceType.ValueNotSupported",
                    format!(
                        "instance type {t:?} is not supported; an EIP can be associated with {}",
                        INSTANCE_TYPES.join(", ")
                    ),
                )
                .rule("S01")
            })?,
    };
    if let Some(m) = req.mode.filter(|m| !MODES.contains(m)) {
        return Err(CloudError::new(
            "InvalidParameter",
            format!(
                "Specified value of \"Mode\" is not valid: {m:?}; use NAT, BINDED or MULTI_BINDED"
            ),
        )
        .rule("S07"));
    }
    if ty == "IpAddress" {
        if req.vpc_id.is_none() {
            return Err(CloudError::new(
                "MissingParameter",
                "an association with an IpAddress target needs VpcId: the VPC (with an IPv4 gateway) the address belongs to",
            )
            .rule("S10"));
        }
        if req.instance_id.parse::<std::net::Ipv4Addr>().is_err() {
            return Err(CloudError::new(
                "InvalidParameter",
                format!(
                    "instance {:?} is not an IPv4 address, as an IpAddress target must be",
                    req.instance_id
                ),
            )
            .rule("S10"));
        }
    }
    Ok(ty)
}

/// Where an EIP ends up once associated.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub instance_type: &'static str,
    pub instance_id: String,
    pub private_ip: String,
    pub vpc_id: String,
    pub mode: String,
}

fn kind_of(ty: &str) -> &'static str {
    match ty {
        "EcsInstance" => "instance",
        "SlbInstance" => "slb",
        "Nat" => "nat_gateway",
        "HaVip" => "havip",
        "NetworkInterface" => "eni",
        _ => "vpc",
    }
}

/// The EIPs associated with `instance_id`.
pub fn eips_on(ctx: &Ctx<'_>, instance_id: &str) -> Result<Vec<Obj>, CloudError> {
    ctx.select(crate::cloud::sim::store::EIP_BOUND, &[&instance_id])
}

fn not_found(ty: &str, id: &str) -> CloudError {
    CloudError::new(
        "InvalidInstanceId.NotFound",
        format!("The specified {ty} target {id} does not exist"),
    )
    .rule("S09")
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn g06(eip: &Obj, what: &str) -> CloudError {
    CloudError::new(
        "InvalidInstanceType.ValueNotSupported",
        format!(
            "EIP {} belongs to contiguous group {}; group members can be associated with ECS instances in a VPC, internal-facing CLB instances, secondary ENIs, NAT gateways and HAVIPs, not with {what}",
            eip.id,
            eip.str("SegmentInstanceId")
        ),
    )
    .rule("G06")
}

/// S02-S10 and G06: checks the target of an association of `eip` and returns the binding.
pub fn check_target(
    ctx: &Ctx<'_>,
    eip: &Obj,
    ty: &'static str,
    req: &AssocRequest<'_>,
) -> Result<Binding, CloudError> {
    let member = !eip.str("SegmentInstanceId").is_empty();
    let lookup_id = if ty == "IpAddress" {
        req.vpc_id.unwrap_or("")
    } else {
        req.instance_id
    };
    // S09: the target must exist.
    let target = ctx
        .get_kind(lookup_id, kind_of(ty))?
        .ok_or_else(|| not_found(ty, lookup_id))?;
    // S02: same region.
    if target.region != eip.region {
        return Err(CloudError::new(
            "InvalidParameter.Mismatch",
            format!(
                "Specified elastic IP address and {ty} are not in the same region: EIP {} is in {}, {} is in {}",
                eip.id, eip.region, target.id, target.region
            ),
        )
        .rule("S02"));
    }
    let mut binding = Binding {
        instance_type: ty,
        instance_id: req.instance_id.to_string(),
        private_ip: String::new(),
        vpc_id: target.str("VpcId").to_string(),
        mode: "NAT".to_string(),
    };
    match ty {
        "EcsInstance" => check_ecs(ctx, &target, &mut binding)?,
        "NetworkInterface" => check_eni(ctx, eip, &target, req, &mut binding)?,
        "Nat" => {
            // S08: at most 20 EIPs per NAT gateway.
            if eips_on(ctx, &target.id)?.len() >= NAT_MAX_EIPS {
                return Err(CloudError::new(
                    "QuotaExceeded.NumberOfEip",
                    format!(
                        "NAT gateway {} already holds {NAT_MAX_EIPS} EIPs, the most a NAT gateway can hold",
                        target.id
                    ),
                )
                .rule("S08"));
            }
        }
        "SlbInstance" => {
            // S08: a CLB instance must be in a VPC and holds one EIP.
            if target.str("NetworkType") != "vpc" {
                return Err(CloudError::new(
                    "OperationDenied",
                    format!(
                        "CLB instance {} is not in a VPC; only CLB instances in a VPC take an EIP",
                        target.id
                    ),
                )
                .rule("S08"));
            }
            if member && target.str("AddressType") != "intranet" {
                return Err(g06(eip, "an internet-facing CLB instance"));
            }
            one_only(ctx, &target.id, "CLB instance", "S08")?;
            binding.private_ip = target.str("Address").to_string();
        }
        "HaVip" => {
            one_only(ctx, &target.id, "HAVIP", "S08")?;
            binding.private_ip = target.str("IpAddress").to_string();
        }
        _ => {
            if member {
                return Err(g06(eip, "an IP address"));
            }
            // S10: the VPC needs an IPv4 gateway.
            if target.str("Ipv4GatewayId").is_empty() {
                return Err(CloudError::new(
                    "OperationFailed.Ipv4GatewayNotOpenedInVpc",
                    format!("VPC {} has no enabled IPv4 gateway; an EIP can be associated with an IP address only in a VPC with one", target.id),
                )
                .rule("S10"));
            }
            let taken = eips_on(ctx, req.instance_id)?
                .into_iter()
                .any(|e| e.str("VpcId") == target.id);
            if taken {
                return Err(CloudError::new(
                    "InvalidAssociation.Duplicated",
                    format!(
                        "IP address {} of VPC {} already has an EIP",
                        req.instance_id, target.id
                    ),
                )
                .rule("S10"));
            }
            binding.private_ip = req.instance_id.to_string();
            binding.vpc_id = target.id.clone();
        }
    }
    Ok(binding)
}

fn one_only(ctx: &Ctx<'_>, id: &str, what: &str, rule: &str) -> Result<(), CloudError> {
    if let Some(other) = eips_on(ctx, id)?.first() {
        return Err(CloudError::new(
            "InvalidAssociation.Duplicated",
            format!("{what} {id} already has EIP {}; it takes one EIP", other.id),
        )
        .rule(rule));
    }
    Ok(())
}

/// S04, S05, S06 (and D05): an ECS instance target.
fn check_ecs(ctx: &Ctx<'_>, inst: &Obj, binding: &mut Binding) -> Result<(), CloudError> {
    if inst.str("NetworkType") != "vpc" || inst.str("VpcId").is_empty() {
        return Err(CloudError::new(
            "OperationDenied",
            format!("Specified instance is not in VPC: ECS instance {} is in the classic network; EIPs can be associated only with instances in a VPC", inst.id),
        )
        .rule("S04"));
    }
    if !matches!(inst.status.as_str(), "Running" | "Stopped") {
        return Err(CloudError::new(
            "IncorrectInstanceStatus",
            format!(
                "ECS instance {} is {}; an EIP can be associated only with a Running or Stopped instance",
                inst.id, inst.status
            ),
        )
        .rule("S05"));
    }
    if !inst.str("PublicIpAddress").is_empty() {
        return Err(CloudError::new(
            "EIP_CAN_NOT_ASSOCIATE_WITH_PUBLIC_IP",
            format!(
                "instance {} has a static public IP ({}) on its primary network interface; an EIP can only be associated with an instance whose primary NIC has no public IP",
                inst.id,
                inst.str("PublicIpAddress")
            ),
        )
        .rule("S06"));
    }
    if let Some(other) = eips_on(ctx, &inst.id)?.first() {
        return Err(CloudError::new(
            "InvalidAssociation.Duplicated",
            format!(
                "Specified instance already is associated: ECS instance {} already has EIP {}; an instance takes one EIP on its primary NIC (more go through secondary ENIs), and to change its EIP the old association must be removed first (rule D05)",
                inst.id, other.id
            ),
        )
        .rule("S06"));
    }
    binding.private_ip = inst.str("PrimaryIpAddress").to_string();
    Ok(())
}

/// S07 (and S01 for primary ENIs): a secondary ENI target.
fn check_eni(
    ctx: &Ctx<'_>,
    eip: &Obj,
    eni: &Obj,
    req: &AssocRequest<'_>,
    binding: &mut Binding,
) -> Result<(), CloudError> {
    if eni.str("Type") == "Primary" {
        return Err(CloudError::new(
            "InvalidInstanceType.ValueNotSupported",
            format!("ENI {} is a primary network interface; EIPs are associated with secondary ENIs (or with the instance itself)", eni.id),
        )
        .rule("S01"));
    }
    let mode = req.mode.unwrap_or("NAT");
    let on_eni = eips_on(ctx, &eni.id)?;
    let private_ips = strings(eni.attrs.get("PrivateIpSets"));
    check_eni_mode(ctx, eip, eni, mode, &on_eni, &private_ips)?;
    let used: Vec<&str> = on_eni.iter().map(|e| e.str("PrivateIpAddress")).collect();
    binding.private_ip = match (mode, req.private_ip) {
        ("NAT", Some(ip)) => {
            if !private_ips.iter().any(|p| p == ip) {
                return Err(CloudError::new(
                    "InvalidParameter",
                    format!("private IP {ip} is not a private IP of ENI {}; in NAT mode private_ip_address must be one of {}", eni.id, private_ips.join(", ")),
                )
                .rule("S07"));
            }
            if used.contains(&ip) {
                return Err(CloudError::new(
                    "InvalidEip.EipQuotaExceeded",
                    format!(
                        "private IP {ip} of ENI {} already has an EIP; NAT mode allows one EIP per private IP",
                        eni.id
                    ),
                )
                .rule("S07"));
            }
            ip.to_string()
        }
        ("NAT", None) => private_ips
            .iter()
            .find(|p| !used.contains(&p.as_str()))
            .cloned()
            .unwrap_or_default(),
        _ => eni.str("PrimaryIpAddress").to_string(),
    };
    binding.mode = mode.to_string();
    Ok(())
}

/// S07 on a mode change of an existing ENI association (ModifyEipForwardMode): one ENI never
/// mixes modes, and MULTI_BINDED needs the whitelist. The association-time conditions of BINDED
/// (a detached ENI without secondary private IPs) are not re-checked: the upstream acceptance
/// test `TestAccAliCloudEipAssociation_basic1_twin` switches an association with a secondary
/// private IP to BINDED in place against the real cloud.
pub fn check_mode_change(
    ctx: &Ctx<'_>,
    eip: &Obj,
    eni_id: &str,
    mode: &str,
    on_eni: &[Obj],
) -> Result<(), CloudError> {
    if let Some(other) = on_eni
        .iter()
        .find(|e| e.id != eip.id && e.str("Mode") != mode)
    {
        return Err(CloudError::new(
            "Mode.Conflict",
            format!(
                "The eni can bind only one mode of eip: ENI {eni_id} holds EIP {} in {} mode, not {mode}",
                other.id,
                other.str("Mode")
            ),
        )
        .rule("S07"));
    }
    if mode == "MULTI_BINDED" && !crate::cloud::sim::account::flag(ctx, "multi_binded_whitelist")? {
        return Err(CloudError::new(
            "Mode.NotSupport",
            "MULTI_BINDED (multi-EIP-to-ENI) mode accepts no new applications: the account is not on its whitelist",
        )
        .rule("S07"));
    }
    Ok(())
}

/// S07: whether ENI `eni` (holding `on_eni`) can take one more EIP in `mode`.
pub fn check_eni_mode(
    ctx: &Ctx<'_>,
    eip: &Obj,
    eni: &Obj,
    mode: &str,
    on_eni: &[Obj],
    private_ips: &[String],
) -> Result<(), CloudError> {
    let others: Vec<&Obj> = on_eni.iter().filter(|e| e.id != eip.id).collect();
    if let Some(other) = others.iter().find(|e| e.str("Mode") != mode) {
        return Err(CloudError::new(
            "Mode.Conflict",
            format!(
                "The eni can bind only one mode of eip: ENI {} holds EIP {} in {} mode, not {mode}",
                eni.id,
                other.id,
                other.str("Mode")
            ),
        )
        .rule("S07"));
    }
    let quota = |max: usize, why: &str| -> Result<(), CloudError> {
        if others.len() >= max {
            return Err(CloudError::new(
                "InvalidEip.EipQuotaExceeded",
                format!(
                    "ENI {} already holds {} EIP(s); {why}",
                    eni.id,
                    others.len()
                ),
            )
            .rule("S07"));
        }
        Ok(())
    };
    match mode {
        "NAT" => quota(
            private_ips.len().max(1),
            "NAT mode allows one EIP per private IP of the ENI",
        ),
        "BINDED" => {
            if !eni.str("InstanceId").is_empty() {
                return Err(CloudError::new(
                    "Eni.Attached",
                    format!(
                        "ENI {} is attached to instance {}; BINDED (cut-through) mode needs a detached ENI",
                        eni.id,
                        eni.str("InstanceId")
                    ),
                )
                .rule("S07"));
            }
            if private_ips.len() > 1 {
                return Err(CloudError::new(
                    "Eni.HasSubIp",
                    format!("ENI {} has secondary private IPs; BINDED (cut-through) mode needs an ENI with only its primary private IP", eni.id),
                )
                .rule("S07"));
            }
            quota(1, "BINDED mode allows one EIP per ENI")
        }
        _ => {
            if !crate::cloud::sim::account::flag(ctx, "multi_binded_whitelist")? {
                return Err(CloudError::new(
                    "Mode.NotSupport",
                    "MULTI_BINDED (multi-EIP-to-ENI) mode accepts no new applications: the account is not on its whitelist",
                )
                .rule("S07"));
            }
            quota(
                MULTI_BINDED_MAX_EIPS,
                "MULTI_BINDED mode allows at most 10 EIPs per ENI",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_association_checks() {
        let r = |id: &'static str, ty: Option<&'static str>| AssocRequest {
            instance_id: id,
            instance_type: ty,
            ..Default::default()
        };
        assert_eq!(check_request(&r("lb-1", None)).unwrap(), "SlbInstance");
        assert_eq!(check_request(&r("ngw-1", None)).unwrap(), "Nat");
        assert_eq!(check_request(&r("i-1", None)).unwrap(), "EcsInstance");
        let e = check_request(&r("i-1", Some("Router"))).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.rule.as_deref()),
            ("InvalidInstanceType.ValueNotSupported", Some("S01"))
        );
        let e = check_request(&r("10.0.0.1", Some("IpAddress"))).unwrap_err();
        assert_eq!(e.rule.as_deref(), Some("S10"));
    }
}
