//! Configuration generators for the scale benchmark.
//!
//! [`realistic`] writes a mix of N resource instances in three regions (the default provider in
//! `cn-hangzhou`, aliases `sh` and `hk`): VPCs, security groups, vSwitches, ECS instances, one IP
//! address pool with a /24 CIDR block per region, EIPs with both metering methods (pay by
//! bandwidth, pay by traffic) and both payment types (pay-as-you-go, every tenth a subscription),
//! some from the pool, a quarter written as `for_each` over local maps, and associations for about
//! a third of the EIPs (one per ECS instance). [`eips_only`] writes N independent pay-as-you-go
//! EIPs, the eipform side of the Terraform comparison.

use std::fmt::Write as _;

/// A generated configuration: its files and what it holds.
pub struct Generated {
    /// (file name, contents).
    pub files: Vec<(String, String)>,
    /// Resource instances per resource type.
    pub counts: Vec<(&'static str, usize)>,
    /// Resource instances in all.
    pub total: usize,
    /// The longest dependency chain, in resources.
    pub chain: usize,
    /// Resource instances whose arguments `bump` changed.
    pub changed: usize,
}

struct Region {
    tag: &'static str,
    alias: Option<&'static str>,
    id: &'static str,
    zones: &'static [&'static str],
    /// Share of the resources, in percent.
    share: usize,
}

const REGIONS: &[Region] = &[
    Region {
        tag: "hz",
        alias: None,
        id: "cn-hangzhou",
        zones: &["cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"],
        share: 50,
    },
    Region {
        tag: "sh",
        alias: Some("sh"),
        id: "cn-shanghai",
        zones: &["cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"],
        share: 30,
    },
    Region {
        tag: "hk",
        alias: Some("hk"),
        id: "cn-hongkong",
        zones: &["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"],
        share: 20,
    },
];

/// Resources per file, as a large code base splits them.
const PER_FILE: usize = 1000;

/// Collects resource blocks into files of about [`PER_FILE`] resources.
struct Files {
    prefix: String,
    files: Vec<(String, String)>,
    current: String,
    in_current: usize,
}

impl Files {
    fn new(prefix: &str) -> Files {
        Files {
            prefix: prefix.to_string(),
            files: Vec::new(),
            current: String::new(),
            in_current: 0,
        }
    }

    fn push(&mut self, block: &str, instances: usize) {
        self.current.push_str(block);
        self.current.push('\n');
        self.in_current += instances;
        if self.in_current >= PER_FILE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.current.is_empty() {
            let name = format!("{}-{:03}.tf", self.prefix, self.files.len());
            self.files.push((name, std::mem::take(&mut self.current)));
            self.in_current = 0;
        }
    }

    fn finish(mut self) -> Vec<(String, String)> {
        self.flush();
        self.files
    }
}

fn provider_line(r: &Region) -> String {
    match r.alias {
        Some(a) => format!("  provider = alicloud.{a}\n"),
        None => String::new(),
    }
}

fn header(regions: &[&Region]) -> String {
    let mut s = String::from(
        "variable \"prefix\" {\n  description = \"Prefix of every name.\"\n  type        = string\n  default     = \"bench\"\n}\n\n",
    );
    for r in regions {
        match r.alias {
            Some(a) => {
                let _ = writeln!(
                    s,
                    "provider \"alicloud\" {{\n  alias  = \"{a}\"\n  region = \"{}\"\n}}\n",
                    r.id
                );
            }
            None => {
                let _ = writeln!(s, "provider \"alicloud\" {{\n  region = \"{}\"\n}}\n", r.id);
            }
        }
    }
    s
}

/// Counts per kind, in the order they are reported.
#[derive(Default)]
struct Counts {
    vpc: usize,
    sg: usize,
    vswitch: usize,
    instance: usize,
    pool: usize,
    cidr: usize,
    eip: usize,
    assoc: usize,
}

/// The realistic mix of `n` resource instances; with `bump`, 1% of them (pay-as-you-go EIPs not
/// written with `for_each`) get a new bandwidth, an in-place update.
pub fn realistic(n: usize, bump: bool) -> Generated {
    let mut files = vec![(
        "main.tf".to_string(),
        header(&REGIONS.iter().collect::<Vec<_>>()),
    )];
    let mut c = Counts::default();
    let mut to_change = if bump { (n / 100).max(1) } else { 0 };
    let mut changed = 0;
    let mut assigned = 0;
    for (ri, r) in REGIONS.iter().enumerate() {
        let n_r = if ri + 1 == REGIONS.len() {
            n - assigned
        } else {
            n * r.share / 100
        };
        assigned += n_r;
        let want_change = if ri + 1 == REGIONS.len() {
            to_change
        } else {
            (if bump { (n / 100).max(1) } else { 0 }) * r.share / 100
        };
        to_change -= want_change;
        let (f, got) = region_files(r, n_r, want_change, &mut c);
        changed += got;
        files.extend(f);
    }
    let counts = vec![
        ("alicloud_vpc", c.vpc),
        ("alicloud_security_group", c.sg),
        ("alicloud_vswitch", c.vswitch),
        ("alicloud_instance", c.instance),
        ("alicloud_vpc_public_ip_address_pool", c.pool),
        ("alicloud_vpc_public_ip_address_pool_cidr_block", c.cidr),
        ("alicloud_eip_address", c.eip),
        ("alicloud_eip_association", c.assoc),
    ];
    let total = counts.iter().map(|(_, k)| k).sum();
    Generated {
        files,
        counts,
        total,
        // vpc -> vswitch (or security group) -> instance -> association.
        chain: 4,
        changed,
    }
}

/// The resources of one region: `n` instances, `change` of them bumped.
fn region_files(
    r: &Region,
    n: usize,
    change: usize,
    c: &mut Counts,
) -> (Vec<(String, String)>, usize) {
    let t = r.tag;
    let p = provider_line(r);
    let mut out = Files::new(&format!("region-{t}"));
    let with_pool = n >= 50;
    let rest = n - if with_pool { 2 } else { 0 };
    let cells = rest.div_ceil(150).max(1);
    let vpcs = cells.div_ceil(10);
    let infra = 2 * vpcs + cells;
    let m = rest.saturating_sub(infra);
    let assocs = m / 5;
    let eips = m - 2 * assocs;
    let pool_eips = if with_pool { (eips / 10).min(200) } else { 0 };
    let foreach_eips = eips / 4;
    let plain_eips = eips - pool_eips - foreach_eips;

    for v in 0..vpcs {
        out.push(
            &format!(
                "resource \"alicloud_vpc\" \"vpc_{t}_{v}\" {{\n{p}  vpc_name   = \"${{var.prefix}}-{t}-vpc-{v}\"\n  cidr_block = \"10.{v}.0.0/16\"\n}}\n"
            ),
            1,
        );
        out.push(
            &format!(
                "resource \"alicloud_security_group\" \"sg_{t}_{v}\" {{\n{p}  security_group_name = \"${{var.prefix}}-{t}-sg-{v}\"\n  vpc_id              = alicloud_vpc.vpc_{t}_{v}.id\n}}\n"
            ),
            1,
        );
    }
    c.vpc += vpcs;
    c.sg += vpcs;
    for w in 0..cells {
        let (v, j) = (w / 10, w % 10);
        let zone = r.zones[w % r.zones.len()];
        out.push(
            &format!(
                "resource \"alicloud_vswitch\" \"vsw_{t}_{w}\" {{\n{p}  vswitch_name = \"${{var.prefix}}-{t}-vsw-{w}\"\n  vpc_id       = alicloud_vpc.vpc_{t}_{v}.id\n  cidr_block   = \"10.{v}.{j}.0/24\"\n  zone_id      = \"{zone}\"\n}}\n"
            ),
            1,
        );
    }
    c.vswitch += cells;
    if with_pool {
        out.push(
            &format!(
                "resource \"alicloud_vpc_public_ip_address_pool\" \"pool_{t}\" {{\n{p}  public_ip_address_pool_name = \"${{var.prefix}}-{t}-pool\"\n  isp                         = \"BGP\"\n}}\n"
            ),
            1,
        );
        out.push(
            &format!(
                "resource \"alicloud_vpc_public_ip_address_pool_cidr_block\" \"block_{t}\" {{\n{p}  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool_{t}.id\n  cidr_mask                 = 24\n}}\n"
            ),
            1,
        );
        c.pool += 1;
        c.cidr += 1;
    }
    // The changed EIPs are spread over the plain pay-as-you-go ones.
    let payg: Vec<usize> = (0..plain_eips).filter(|i| i % 10 != 5).collect();
    let step = payg
        .len()
        .checked_div(change)
        .map_or(usize::MAX, |s| s.max(1));
    let mut changed = 0;
    for i in 0..plain_eips {
        let subscription = i % 10 == 5;
        let metering = if i % 2 == 0 {
            "PayByTraffic"
        } else {
            "PayByBandwidth"
        };
        let mut bandwidth = 5 + (i % 20) * 5;
        if !subscription && changed < change && payg.binary_search(&i).is_ok_and(|k| k % step == 0)
        {
            bandwidth += 1;
            changed += 1;
        }
        let billing = if subscription {
            "  payment_type         = \"Subscription\"\n  period               = 1\n  pricing_cycle        = \"Month\"\n  auto_pay             = true\n".to_string()
        } else {
            "  payment_type         = \"PayAsYouGo\"\n".to_string()
        };
        out.push(
            &format!(
                "resource \"alicloud_eip_address\" \"eip_{t}_{i}\" {{\n{p}  address_name         = \"${{var.prefix}}-{t}-eip-{i}\"\n{billing}  internet_charge_type = \"{}\"\n  bandwidth            = \"{bandwidth}\"\n  isp                  = \"BGP\"\n}}\n",
                if subscription { "PayByBandwidth" } else { metering }
            ),
            1,
        );
    }
    for i in 0..pool_eips {
        out.push(
            &format!(
                "resource \"alicloud_eip_address\" \"pool_eip_{t}_{i}\" {{\n{p}  address_name              = \"${{var.prefix}}-{t}-pool-eip-{i}\"\n  payment_type              = \"PayAsYouGo\"\n  internet_charge_type      = \"PayByTraffic\"\n  bandwidth                 = \"10\"\n  isp                       = \"BGP\"\n  public_ip_address_pool_id = alicloud_vpc_public_ip_address_pool.pool_{t}.id\n\n  depends_on = [alicloud_vpc_public_ip_address_pool_cidr_block.block_{t}]\n}}\n"
            ),
            1,
        );
    }
    // for_each over local maps of 50 names to bandwidths.
    let mut start = 0;
    let mut batch = 0;
    while start < foreach_eips {
        let end = (start + 50).min(foreach_eips);
        let mut map = String::new();
        for i in start..end {
            let _ = writeln!(map, "    \"{t}-fe-{i}\" = \"{}\"", 1 + i % 100);
        }
        out.push(
            &format!(
                "locals {{\n  eips_{t}_{batch} = {{\n{map}  }}\n}}\n\nresource \"alicloud_eip_address\" \"batch_{t}_{batch}\" {{\n  for_each = local.eips_{t}_{batch}\n{p}  address_name         = \"${{var.prefix}}-${{each.key}}\"\n  payment_type         = \"PayAsYouGo\"\n  internet_charge_type = \"PayByTraffic\"\n  bandwidth            = each.value\n}}\n"
            ),
            end - start,
        );
        start = end;
        batch += 1;
    }
    c.eip += plain_eips + pool_eips + foreach_eips;
    // Instances and their associations: instance i gets plain EIP i.
    for i in 0..assocs {
        let w = i % cells;
        let v = w / 10;
        out.push(
            &format!(
                "resource \"alicloud_instance\" \"vm_{t}_{i}\" {{\n{p}  instance_name              = \"${{var.prefix}}-{t}-vm-{i}\"\n  image_id                   = \"ubuntu_18_04_64_20G_alibase_20190624.vhd\"\n  instance_type              = \"ecs.g6.large\"\n  vswitch_id                 = alicloud_vswitch.vsw_{t}_{w}.id\n  security_groups            = [alicloud_security_group.sg_{t}_{v}.id]\n  internet_max_bandwidth_out = 0\n}}\n"
            ),
            1,
        );
        out.push(
            &format!(
                "resource \"alicloud_eip_association\" \"assoc_{t}_{i}\" {{\n{p}  allocation_id = alicloud_eip_address.eip_{t}_{i}.id\n  instance_id   = alicloud_instance.vm_{t}_{i}.id\n}}\n"
            ),
            1,
        );
    }
    c.instance += assocs;
    c.assoc += assocs;
    (out.finish(), changed)
}

/// `n` independent pay-as-you-go EIPs in one region (the Terraform comparison's eipform side).
pub fn eips_only(n: usize) -> Generated {
    let mut out = Files::new("eips");
    for i in 0..n {
        let metering = if i % 2 == 0 {
            "PayByTraffic"
        } else {
            "PayByBandwidth"
        };
        out.push(
            &format!(
                "resource \"alicloud_eip_address\" \"e{i}\" {{\n  address_name         = \"${{var.prefix}}-{i}\"\n  payment_type         = \"PayAsYouGo\"\n  internet_charge_type = \"{metering}\"\n  bandwidth            = \"10\"\n}}\n"
            ),
            1,
        );
    }
    let mut files = vec![("main.tf".to_string(), header(&[&REGIONS[0]]))];
    files.extend(out.finish());
    Generated {
        files,
        counts: vec![("alicloud_eip_address", n)],
        total: n,
        chain: 1,
        changed: 0,
    }
}

/// `n` `null_resource`s for Terraform (the comparison's Terraform side).
pub fn null_resources(n: usize) -> String {
    let mut s = String::from(
        "terraform {\n  required_providers {\n    null = {\n      source  = \"hashicorp/null\"\n      version = \"2.1.2\"\n    }\n  }\n}\n\n",
    );
    for i in 0..n {
        let _ = writeln!(
            s,
            "resource \"null_resource\" \"r{i}\" {{\n  triggers = {{\n    idx  = \"{i}\"\n    name = \"res-{i}\"\n  }}\n}}\n"
        );
    }
    s
}
