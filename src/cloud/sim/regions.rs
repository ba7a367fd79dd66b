//! The regions of the simulated cloud (`alibaba-eip-api.md` §6), what each supports (BGP (Multi-ISP)
//! Pro, Anti-DDoS (Enhanced)), and the public address space each line type draws from.
//!
//! Address space (deterministic, so tests can predict addresses): region number `i` (its index in
//! [`REGIONS`]) buys EIPs from its own /16 per line type: BGP `47.(64+i).0.0/16`, BGP_PRO
//! `8.(160+i).0.0/16`, ChinaTelecom(_L2) `39.(96+i).0.0/16`, ChinaUnicom(_L2) `39.(140+i).0.0/16`,
//! ChinaMobile(_L2) `39.(184+i).0.0/16`, BGP_International `8.(100+i).0.0/16`, BGP_FinanceCloud
//! `139.224.0.0/16`. IP address pools may also take CIDR blocks from an inventory shared by the
//! regions of one geography (a block belongs to at most one pool at a time): BGP `47.118.0.0/16`
//! (Chinese mainland) or `47.236.0.0/16` (elsewhere), BGP_PRO `8.220.0.0/16`, single-ISP lines
//! `39.240-242.0.0/16`.

use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

use crate::cloud::CloudError;

/// One region and what it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub id: &'static str,
    pub name: &'static str,
    /// In the Chinese mainland (single-ISP lines exist only there).
    pub mainland: bool,
    /// BGP (Multi-ISP) Pro for pay-as-you-go EIPs (A06).
    pub bgp_pro: bool,
    /// Anti-DDoS (Enhanced) EIPs (A08).
    pub anti_ddos_enhanced: bool,
}

const fn r(id: &'static str, name: &'static str, bgp_pro: bool, enhanced: bool) -> Region {
    let b = id.as_bytes();
    // cn-* except cn-hongkong is the Chinese mainland.
    let mainland = b.len() > 3 && b[0] == b'c' && b[1] == b'n' && b[2] == b'-' && !is_hk(b);
    Region {
        id,
        name,
        mainland,
        bgp_pro,
        anti_ddos_enhanced: enhanced,
    }
}

const fn is_hk(b: &[u8]) -> bool {
    let hk = b"cn-hongkong";
    if b.len() != hk.len() {
        return false;
    }
    let mut i = 0;
    while i < hk.len() {
        if b[i] != hk[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every region (A05). Order matters: it numbers the address space.
pub const REGIONS: &[Region] = &[
    r("cn-qingdao", "China (Qingdao)", false, false),
    r("cn-beijing", "China (Beijing)", false, true),
    r("cn-zhangjiakou", "China (Zhangjiakou)", false, false),
    r("cn-huhehaote", "China (Hohhot)", false, false),
    r("cn-wulanchabu", "China (Ulanqab)", false, false),
    r("cn-hangzhou", "China (Hangzhou)", false, true),
    r("cn-shanghai", "China (Shanghai)", false, true),
    r("cn-nanjing", "China (Nanjing - Local Region)", false, false),
    r("cn-fuzhou", "China (Fuzhou - Local Region)", false, false),
    r("cn-wuhan-lr", "China (Wuhan - Local Region)", false, false),
    r("cn-shenzhen", "China (Shenzhen)", false, false),
    r("cn-heyuan", "China (Heyuan)", false, false),
    r("cn-guangzhou", "China (Guangzhou)", false, false),
    r("cn-chengdu", "China (Chengdu)", false, false),
    r("cn-hongkong", "China (Hong Kong)", true, true),
    r(
        "cn-zhengzhou-jva",
        "China (Zhengzhou - China Unicom)",
        false,
        false,
    ),
    r("cn-zhongwei", "China (Zhongwei)", false, false),
    r("ap-northeast-1", "Japan (Tokyo)", true, true),
    r("ap-northeast-2", "South Korea (Seoul)", false, true),
    r("ap-southeast-1", "Singapore", true, true),
    r("ap-southeast-2", "Australia (Sydney)", false, false),
    r("ap-southeast-3", "Malaysia (Kuala Lumpur)", true, true),
    r("ap-southeast-5", "Indonesia (Jakarta)", true, true),
    r("ap-southeast-6", "Philippines (Manila)", true, true),
    r("ap-southeast-7", "Thailand (Bangkok)", true, true),
    r("ap-southeast-8", "Malaysia (Johor)", false, false),
    r("ap-south-1", "India (Mumbai)", false, false),
    r("us-east-1", "US (Virginia)", false, true),
    r("us-west-1", "US (Silicon Valley)", false, true),
    r("na-south-1", "Mexico", false, true),
    r("eu-central-1", "Germany (Frankfurt)", false, true),
    r("eu-west-1", "UK (London)", false, true),
    r("me-east-1", "UAE (Dubai)", false, false),
    r(
        "me-central-1",
        "SAU (Riyadh - Partner Region)",
        false,
        false,
    ),
    r(
        "cn-shanghai-finance-1",
        "China (Shanghai) Finance Cloud",
        false,
        false,
    ),
];

/// The only region where subscription BGP (Multi-ISP) Pro EIPs exist (A06).
pub const BGP_PRO_SUBSCRIPTION_REGION: &str = "cn-hongkong";

/// The region where BGP_FinanceCloud lines exist.
pub const FINANCE_REGION: &str = "cn-shanghai-finance-1";

/// Every line type the API knows (A06); anything else is `IllegalParam.Isp`.
pub const ISPS: &[&str] = &[
    "BGP",
    "BGP_PRO",
    "ChinaTelecom",
    "ChinaUnicom",
    "ChinaMobile",
    "ChinaTelecom_L2",
    "ChinaUnicom_L2",
    "ChinaMobile_L2",
    "BGP_FinanceCloud",
    "BGP_International",
];

/// Line types that need the account's single-ISP whitelist (A06).
pub fn needs_whitelist(isp: &str) -> bool {
    isp.starts_with("China") || isp == "BGP_International"
}

/// The region `id` and its number, if it exists.
pub fn find(id: &str) -> Option<(usize, &'static Region)> {
    REGIONS.iter().enumerate().find(|(_, r)| r.id == id)
}

/// A05: the region must exist.
pub fn check(id: &str) -> Result<&'static Region, CloudError> {
    find(id).map(|(_, r)| r).ok_or_else(|| {
        CloudError::not_found(
            "InvalidRegionId.NotFound",
            format!(
                "Specified value of \"RegionId\" is not supported: region {id:?} does not exist"
            ),
        )
        .rule("A05")
    })
}

fn net(a: u8, b: u8, c: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::new(a, b, c, 0), len).expect("prefix length is at most 32")
}

/// The prefix `region` buys EIPs of line type `isp` from, if the line exists there.
pub fn alloc_prefix(region: &str, isp: &str) -> Option<Ipv4Net> {
    let (i, reg) = find(region)?;
    let i = i as u8;
    match isp {
        "BGP" => Some(net(47, 64 + i, 0, 16)),
        "BGP_PRO" if reg.bgp_pro => Some(net(8, 160 + i, 0, 16)),
        "ChinaTelecom" | "ChinaTelecom_L2" if reg.mainland => Some(net(39, 96 + i, 0, 16)),
        "ChinaUnicom" | "ChinaUnicom_L2" if reg.mainland => Some(net(39, 140 + i, 0, 16)),
        "ChinaMobile" | "ChinaMobile_L2" if reg.mainland => Some(net(39, 184 + i, 0, 16)),
        "BGP_International" if !reg.mainland => Some(net(8, 100 + i, 0, 16)),
        "BGP_FinanceCloud" if region == FINANCE_REGION => Some(net(139, 224, 0, 16)),
        _ => None,
    }
}

/// The shared inventory IP address pools of `region` and line `isp` take CIDR blocks from.
pub fn pool_inventory(region: &str, isp: &str) -> Option<Ipv4Net> {
    let (_, reg) = find(region)?;
    match isp {
        "BGP" if reg.mainland => Some(net(47, 118, 0, 16)),
        "BGP" => Some(net(47, 236, 0, 16)),
        "BGP_PRO" if reg.bgp_pro => Some(net(8, 220, 0, 16)),
        "ChinaTelecom" | "ChinaTelecom_L2" if reg.mainland => Some(net(39, 240, 0, 16)),
        "ChinaUnicom" | "ChinaUnicom_L2" if reg.mainland => Some(net(39, 241, 0, 16)),
        "ChinaMobile" | "ChinaMobile_L2" if reg.mainland => Some(net(39, 242, 0, 16)),
        _ => None,
    }
}

/// P02: whether `cidr` lies in the address space of `region` for line `isp` (any line when
/// `isp` is `None`).
pub fn cidr_fits(region: &str, isp: Option<&str>, cidr: &Ipv4Net) -> bool {
    let isps: Vec<&str> = match isp {
        Some(i) => vec![i],
        None => ISPS.to_vec(),
    };
    isps.iter().any(|isp| {
        [alloc_prefix(region, isp), pool_inventory(region, isp)]
            .into_iter()
            .flatten()
            .any(|p| p.contains(cidr))
    })
}

/// The IPv4 address as the integer the address tables store.
pub fn ip_to_int(ip: Ipv4Addr) -> i64 {
    i64::from(u32::from(ip))
}

/// The integer of the address tables as an IPv4 address.
pub fn int_to_ip(n: i64) -> Ipv4Addr {
    Ipv4Addr::from(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_prefixes() {
        assert!(check("cn-hangzhou").is_ok());
        let e = check("mars-1").unwrap_err();
        assert_eq!(e.code, "InvalidRegionId.NotFound");
        assert_eq!(e.rule.as_deref(), Some("A05"));
        assert!(find("cn-beijing").unwrap().1.mainland);
        assert!(!find("cn-hongkong").unwrap().1.mainland);
        assert_eq!(
            alloc_prefix("cn-qingdao", "BGP").unwrap().to_string(),
            "47.64.0.0/16"
        );
        assert!(alloc_prefix("cn-beijing", "BGP_PRO").is_none());
        let block: Ipv4Net = "47.118.126.0/25".parse().unwrap();
        assert!(cidr_fits("cn-hangzhou", Some("BGP"), &block));
        assert!(cidr_fits("cn-beijing", Some("BGP"), &block));
        assert!(!cidr_fits("us-east-1", Some("BGP"), &block));
        assert!(!cidr_fits("cn-beijing", Some("ChinaTelecom"), &block));
    }
}
