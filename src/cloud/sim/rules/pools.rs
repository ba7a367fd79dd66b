//! IP address pool rules P01-P03. [`cidr_request`] is P02's static part (`cidr_block` xor
//! `cidr_mask` 24-28, a well-formed block inside the region's address space); P01's privilege
//! and quotas and P03's in-use check are applied in `pool.rs` with these helpers.

use ipnet::Ipv4Net;

use crate::cloud::CloudError;
use crate::cloud::sim::regions;

/// P01: pools per region.
pub const MAX_POOLS_PER_REGION: usize = 16;
/// P01: addresses across all pools of a region.
pub const MAX_POOL_ADDRESSES_PER_REGION: i64 = 256;

/// P01: the account lacks the pool privilege (also A09 with `rule = "A09"`).
pub fn not_opened(rule: &str) -> CloudError {
    CloudError::new(
        "OperationDenied.PublicIpAddressPoolNotOpened",
        "the IP address pool feature is not activated for this account; apply for the privilege in Quota Center",
    )
    .rule(rule)
}

/// A CIDR block request: a block, or a mask for the cloud to pick one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrAsk {
    Block(Ipv4Net),
    Mask(u8),
}

fn p02(msg: String) -> CloudError {
    CloudError::new("InvalidParameter", msg).rule("P02")
}

/// P02 (static part): exactly one of `cidr_block` and `cidr_mask`; the mask is 24-28; the block
/// is a well-formed IPv4 network of /24-/28 inside `region`'s public address space (any line
/// type; the pool's own line type is checked when the pool is known).
pub fn cidr_request(
    cidr_block: Option<&str>,
    cidr_mask: Option<&str>,
    region: &str,
) -> Result<CidrAsk, CloudError> {
    match (cidr_block, cidr_mask) {
        (Some(_), Some(_)) => Err(p02(
            "CidrBlock and CidrMask cannot both be specified: give a CIDR block or a mask".into(),
        )),
        (None, None) => Err(p02(
            "a CIDR block needs CidrBlock or CidrMask (24-28)".into()
        )),
        (None, Some(m)) => match m.trim().parse::<u8>() {
            Ok(m) if (24..=28).contains(&m) => Ok(CidrAsk::Mask(m)),
            _ => Err(p02(format!("CidrMask {m:?} is not valid: use 24 to 28"))),
        },
        (Some(b), None) => {
            let net: Ipv4Net = b.trim().parse().map_err(|_| {
                p02(format!(
                    "CidrBlock {b:?} is not an IPv4 CIDR block such as 47.118.126.0/25"
                ))
            })?;
            if net.trunc() != net {
                return Err(p02(format!(
                    "CidrBlock {b:?} has host bits set; did you mean {}?",
                    net.trunc()
                )));
            }
            if !(24..=28).contains(&net.prefix_len()) {
                return Err(p02(format!("CidrBlock {b:?} must be a /24 to /28 block")));
            }
            if regions::find(region).is_some() && !regions::cidr_fits(region, None, &net) {
                return Err(p02(format!(
                    "CIDR block {net} is not in the public address space of region {region}"
                )));
            }
            Ok(CidrAsk::Block(net))
        }
    }
}

/// P02: the block must fit the pool's region and line type.
pub fn fits_pool(net: &Ipv4Net, region: &str, isp: &str) -> Result<(), CloudError> {
    if regions::cidr_fits(region, Some(isp), net) {
        return Ok(());
    }
    Err(p02(format!(
        "CIDR block {net} does not belong to line type {isp} in region {region}"
    )))
}

/// P03: a pool (or one of its blocks) with addresses in use cannot be deleted.
pub fn in_use(what: &str, used: i64) -> Result<(), CloudError> {
    if used == 0 {
        return Ok(());
    }
    Err(CloudError::new(
        "OperationFailed.IpInUse",
        format!("{what} still has {used} address(es) allocated as EIPs; release them first"),
    )
    .rule("P03"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_requests() {
        assert_eq!(
            cidr_request(None, Some("25"), "cn-hangzhou").unwrap(),
            CidrAsk::Mask(25)
        );
        assert!(matches!(
            cidr_request(Some("47.118.126.0/25"), None, "cn-hangzhou"),
            Ok(CidrAsk::Block(_))
        ));
        for (b, m) in [
            (Some("47.118.126.0/25"), Some("25")),
            (None, None),
            (None, Some("23")),
            (Some("47.118.126.1/25"), None),
            (Some("10.0.0.0/24"), None),
        ] {
            let e = cidr_request(b, m, "cn-hangzhou").unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.rule.as_deref()),
                ("InvalidParameter", Some("P02")),
                "{b:?} {m:?}"
            );
        }
    }
}
