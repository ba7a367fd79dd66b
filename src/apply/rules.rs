//! Turning a provider error into a diagnostic that names the rule and points at the argument
//! of the resource block responsible.

use crate::addr::ResourceAddress;
use crate::config::ResourceBlock;
use crate::diag::Diagnostic;
use crate::plan::model::ResourceChange;
use crate::provider::ProviderError;

use super::Op;

/// The arguments a rule is about, most specific first.
pub fn attributes_for_rule(rule: &str) -> &'static [&'static str] {
    match rule {
        "A01" | "G03" | "D06" => &["payment_type", "instance_charge_type"],
        "A02" => &["internet_charge_type", "payment_type"],
        "A04" | "G04" => &["bandwidth", "internet_charge_type"],
        "A06" => &["isp"],
        "A07" => &["netmode"],
        "A08" => &["security_protection_types"],
        "A09" => &["public_ip_address_pool_id", "zone"],
        "A10" => &["address_name", "name", "description"],
        "A11" => &["resource_group_id"],
        "A13" => &["period", "pricing_cycle"],
        "A14" | "R01" | "R02" | "R03" | "R05" => &["ip_address", "allocation_id"],
        "R06" => &["public_ip_address_pool_id", "ip_address", "allocation_id"],
        "G02" => &["eip_mask"],
        "S01" => &["instance_type", "instance_id"],
        "S07" => &["mode", "private_ip_address", "instance_id"],
        "S10" => &["vpc_id", "instance_id"],
        r if r.starts_with('S') || r == "G06" => &["instance_id", "allocation_id"],
        "D04" => &["deletion_protection"],
        "P02" => &["cidr_block", "cidr_mask"],
        _ => &[],
    }
}

/// The argument of `block` a rule violation is about: among the rule's arguments that the block
/// sets, the one the cloud's message names as a word (`description`, or its API name
/// `Description`), else the first.
pub fn responsible_attribute<'b>(
    block: &'b ResourceBlock,
    rule: Option<&str>,
    message: &str,
) -> Option<&'b crate::config::Attr> {
    let candidates: Vec<&crate::config::Attr> = rule
        .map(attributes_for_rule)
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| block.body.attrs.get(*a))
        .collect();
    let named = |name: &str| {
        let camel: String = name
            .split('_')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect();
        [name.to_string(), camel].iter().any(|word| {
            regex::Regex::new(&format!(r"\b{}\b", regex::escape(word)))
                .is_ok_and(|re| re.is_match(message))
        })
    };
    candidates
        .iter()
        .find(|a| named(&a.name))
        .or(candidates.first())
        .copied()
}

pub(super) fn diagnostic(
    addr: &ResourceAddress,
    change: &ResourceChange,
    block: Option<&ResourceBlock>,
    op: Op,
    e: &ProviderError,
) -> Diagnostic {
    let verb = match op {
        Op::Create => "creating",
        Op::Update => "updating",
        Op::Delete => "deleting",
        Op::Read => "reading",
    };
    let (code, rule) = match e {
        ProviderError::Cloud(c) => (Some(c.code.clone()), c.rule.clone()),
        _ => (None, None),
    };
    let message = e.to_string();
    let attr = block.and_then(|b| responsible_attribute(b, rule.as_deref(), &message));
    let (range, label) = match (attr, block) {
        (Some(a), _) => (
            Some(a.key_range.clone()),
            format!(
                "{} {}",
                a.name,
                rule.as_deref()
                    .map(|r| format!("violates rule {r}"))
                    .unwrap_or_else(|| "rejected".into())
            ),
        ),
        (None, Some(b)) => (
            Some(b.range.clone()),
            format!(
                "{} {}",
                change.schema_type,
                rule.as_deref()
                    .map(|r| format!("violates rule {r}"))
                    .unwrap_or_else(|| "failed".into())
            ),
        ),
        _ => (None, String::new()),
    };
    let mut d = Diagnostic::error(format!("Error {verb} {}", change.schema_type))
        .detail(e.to_string())
        .at(range, label)
        .rule(rule)
        .address(addr.to_string());
    if let Some(c) = code {
        d = d.code(c);
    }
    d
}
