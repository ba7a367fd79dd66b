//! Hand-built plans shared by the `render_*` tests: one per situation a renderer must handle.

#![allow(dead_code)]

use eipform::addr::ResourceAddress;
use eipform::plan::model::{Action, Drift, OutputChange, Plan, PlanMode, ResourceChange};
use eipform::provider::Attrs;
use eipform::state::{OutputState, ResourceState};
use serde_json::{Value, json};

pub fn addr(s: &str) -> ResourceAddress {
    s.parse().unwrap()
}

pub fn attrs(v: Value) -> std::sync::Arc<Attrs> {
    match v {
        Value::Object(m) => std::sync::Arc::new(m.into()),
        other => panic!("not an object: {other}"),
    }
}

pub fn unknown() -> Value {
    eipform::eval::unknown()
}

pub fn change(
    address: &str,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    let addr = addr(address);
    ResourceChange {
        schema_type: addr.block.rtype.clone(),
        addr,
        provider: "alicloud".into(),
        region: "cn-hangzhou".into(),
        action,
        before: before.map(attrs),
        after: after.map(attrs),
        replace_paths: vec![],
        reason: None,
        sensitive: vec![],
        warnings: vec![],
        moved_from: None,
        import_id: None,
    }
}

pub fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        mode: PlanMode::Normal,
        changes,
        drift: vec![],
        outputs: vec![],
        lineage: "3f0c5a9e-lineage".into(),
        serial: 7,
        warnings: vec![],
    }
}

pub fn output(name: &str, before: Option<Value>, after: Option<Value>) -> OutputChange {
    OutputChange {
        name: name.into(),
        before,
        after,
        sensitive: false,
    }
}

/// The recorded EIP `alicloud_eip_address.web`.
pub fn web_recorded() -> Value {
    json!({
        "address_name": "web",
        "bandwidth": "5",
        "deletion_protection": false,
        "id": "eip-bp1web000000000001",
        "internet_charge_type": "PayByTraffic",
        "ip_address": "47.96.10.1",
        "isp": "BGP",
        "payment_type": "PayAsYouGo",
        "status": "Available",
        "tags": { "Env": "prod", "Team": "net" },
    })
}

/// A new EIP: every computed attribute unknown.
pub fn create_plan() -> Plan {
    let mut p = plan(vec![change(
        "alicloud_eip_address.web",
        Action::Create,
        None,
        Some(json!({
            "address_name": "web",
            "bandwidth": "5",
            "deletion_protection": false,
            "description": null,
            "id": unknown(),
            "internet_charge_type": "PayByTraffic",
            "ip_address": unknown(),
            "isp": "BGP",
            "security_protection_types": ["AntiDDoS_Enhanced"],
            "status": unknown(),
            "tags": { "Env": "prod", "Team": "net" },
        })),
    )]);
    p.outputs = vec![output("web_ip", None, Some(unknown()))];
    p
}

/// Bandwidth, description and tags change in place.
pub fn update_plan() -> Plan {
    let mut after = web_recorded();
    after["bandwidth"] = json!("10");
    after["description"] = json!("front end");
    after["tags"] = json!({ "Env": "staging", "Team": "net", "Owner": "alice" });
    plan(vec![change(
        "alicloud_eip_address.web",
        Action::Update,
        Some(web_recorded()),
        Some(after),
    )])
}

/// A new ISP forces replacement; the id and address become unknown.
pub fn replace_plan() -> Plan {
    let mut after = web_recorded();
    after["isp"] = json!("BGP_PRO");
    after["id"] = unknown();
    after["ip_address"] = unknown();
    after["status"] = unknown();
    let mut c = change(
        "alicloud_eip_address.web",
        Action::DeleteThenCreate,
        Some(web_recorded()),
        Some(after),
    );
    c.replace_paths = vec!["isp".into()];
    let mut p = plan(vec![c]);
    p.outputs = vec![output("web_ip", Some(json!("47.96.10.1")), Some(unknown()))];
    p
}

/// An EIP removed from configuration, and one counted instance beyond the count.
pub fn delete_plan() -> Plan {
    let mut gone = change(
        "alicloud_eip_address.old",
        Action::Delete,
        Some(web_recorded()),
        None,
    );
    gone.reason = Some("because alicloud_eip_address.old is not in configuration".into());
    let mut extra = change(
        "alicloud_eip_address.pool[2]",
        Action::Delete,
        Some(web_recorded()),
        None,
    );
    extra.reason = Some("because index [2] is out of range for count".into());
    let mut p = plan(vec![extra, gone]);
    p.outputs = vec![output("old_ip", Some(json!("47.96.10.1")), None)];
    p
}

/// Every kind of action in one plan, with rule warnings and a sensitive attribute.
pub fn mixed_plan() -> Plan {
    let mut p = update_plan();
    p.changes
        .extend(replace_plan().changes.into_iter().map(|mut c| {
            c.addr = addr("alicloud_eip_address.api");
            c
        }));
    p.changes.extend(delete_plan().changes);
    let mut created = create_plan().changes.remove(0);
    created.addr = addr("alicloud_eip_address.nat[\"b\"]");
    created.warnings = vec![
        "D01: bandwidth above 200 Mbit/s on PayByTraffic is billed per GB; consider PayByBandwidth"
            .into(),
    ];
    p.changes.push(created);
    let mut assoc = change(
        "alicloud_eip_association.web",
        Action::Create,
        None,
        Some(
            json!({ "allocation_id": "eip-bp1web000000000001", "id": unknown(), "instance_id": "i-bp1abc", "instance_type": "EcsInstance" }),
        ),
    );
    assoc.warnings = vec!["D03: the instance already has a public IP; the EIP replaces it".into()];
    p.changes.push(assoc);
    let mut read = change(
        "data.alicloud_eip_addresses.all",
        Action::Read,
        None,
        Some(json!({ "ids": unknown(), "status": "Available" })),
    );
    read.reason = Some("(config refers to values not yet known)".into());
    p.changes.push(read);
    p.changes.push(change(
        "alicloud_eip_address.same",
        Action::NoOp,
        Some(web_recorded()),
        Some(web_recorded()),
    ));
    p.warnings = vec!["Resource targeting is in effect".into()];
    p
}

/// A sensitive attribute created, updated and destroyed, and a sensitive output.
pub fn sensitive_plan() -> Plan {
    let mut created = change(
        "alicloud_kms_key.k",
        Action::Create,
        None,
        Some(json!({ "description": "key", "id": unknown(), "secret": "hunter2" })),
    );
    created.sensitive = vec!["secret".into()];
    let mut updated = change(
        "alicloud_kms_key.j",
        Action::Update,
        Some(json!({ "description": "key", "id": "key-1", "secret": "old" })),
        Some(json!({ "description": "key", "id": "key-1", "secret": "new" })),
    );
    updated.sensitive = vec!["secret".into()];
    let mut deleted = change(
        "alicloud_kms_key.gone",
        Action::Delete,
        Some(json!({ "id": "key-2", "secret": "x" })),
        None,
    );
    deleted.sensitive = vec!["secret".into()];
    deleted.reason = Some("because alicloud_kms_key.gone is not in configuration".into());
    let mut p = plan(vec![created, updated, deleted]);
    p.outputs = vec![OutputChange {
        name: "secret".into(),
        before: None,
        after: Some(json!("hunter2")),
        sensitive: true,
    }];
    p
}

/// Drift found by refresh: an EIP associated outside eipform, one released, an association removed.
pub fn drift_entries() -> Vec<Drift> {
    let mut associated = web_recorded();
    associated["status"] = json!("InUse");
    associated["instance_id"] = json!("i-bp1outside");
    associated["bandwidth"] = json!("20");
    let mut before = web_recorded();
    before["instance_id"] = json!("");
    vec![
        Drift {
            addr: addr("alicloud_eip_address.web"),
            schema_type: "alicloud_eip_address".into(),
            provider: "alicloud".into(),
            before: attrs(before),
            after: Some(attrs(associated)),
        },
        Drift {
            addr: addr("alicloud_eip_address.old"),
            schema_type: "alicloud_eip_address".into(),
            provider: "alicloud".into(),
            before: attrs(web_recorded()),
            after: None,
        },
        Drift {
            addr: addr("alicloud_eip_association.db"),
            schema_type: "alicloud_eip_association".into(),
            provider: "alicloud".into(),
            before: attrs(
                json!({ "allocation_id": "eip-bp1db", "id": "eip-bp1db:i-bp1db", "instance_id": "i-bp1db" }),
            ),
            after: None,
        },
    ]
}

/// Drift only: the configuration already matches it.
pub fn drift_plan(mode: PlanMode) -> Plan {
    let mut p = plan(vec![]);
    p.mode = mode;
    p.drift = drift_entries();
    p
}

pub fn no_changes_plan(mode: PlanMode) -> Plan {
    let mut p = plan(vec![change(
        "alicloud_eip_address.web",
        Action::NoOp,
        Some(web_recorded()),
        Some(web_recorded()),
    )]);
    p.mode = mode;
    p
}

pub fn outputs_only_plan() -> Plan {
    let mut p = no_changes_plan(PlanMode::Normal);
    p.outputs = vec![
        output("web_ip", None, Some(json!("47.96.10.1"))),
        output(
            "tags",
            Some(json!({ "Env": "prod" })),
            Some(json!({ "Env": "prod", "Team": "net" })),
        ),
        output("unchanged", Some(json!("x")), Some(json!("x"))),
    ];
    p
}

pub fn recorded_state() -> Vec<ResourceState> {
    let web = attrs(web_recorded());
    vec![
        ResourceState {
            addr: addr("alicloud_eip_address.web"),
            schema_type: "alicloud_eip_address".into(),
            provider: "alicloud".into(),
            region: "cn-hangzhou".into(),
            id: "eip-bp1web000000000001".into(),
            attrs: web,
            deps: vec![],
            create_before_destroy: false,
            sensitive: vec![],
            read: None,
        },
        ResourceState {
            addr: addr("alicloud_eip_association.web[0]"),
            schema_type: "alicloud_eip_association".into(),
            provider: "alicloud".into(),
            region: "cn-hangzhou".into(),
            id: "eip-bp1web000000000001:i-bp1abc".into(),
            attrs: attrs(
                json!({ "allocation_id": "eip-bp1web000000000001", "instance_id": "i-bp1abc", "instance_type": "EcsInstance" }),
            ),
            deps: vec![addr("alicloud_eip_address.web")],
            create_before_destroy: false,
            sensitive: vec![],
            read: None,
        },
    ]
}

pub fn recorded_outputs() -> Vec<OutputState> {
    vec![
        OutputState {
            name: "web_ip".into(),
            value: json!("47.96.10.1"),
            sensitive: false,
        },
        OutputState {
            name: "secret".into(),
            value: json!("hunter2"),
            sensitive: true,
        },
    ]
}

/// Removes ANSI colour sequences.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
