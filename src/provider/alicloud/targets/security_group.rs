//! `alicloud_security_group`: `CreateSecurityGroup`, `DescribeSecurityGroups` (100 ids a call),
//! `ModifySecurityGroupAttribute`, `ModifySecurityGroupPolicy`, `JoinResourceGroup`, tags,
//! `DeleteSecurityGroup`.

use serde_json::{Value, json};

use super::common::{self as c, Out};
use crate::cloud::Params;
use crate::provider::alicloud::{Api, ResourceOps};
use crate::provider::{Attrs, Deleted, OpContext, ProviderError, ReadItem};

pub struct SecurityGroup;

const TYPE: &str = "alicloud_security_group";

fn to_attrs(item: &Value, src: &Attrs) -> Attrs {
    let mut o = Out::new(&c::js(item, "SecurityGroupId"), src);
    let policy = c::js(item, "InnerAccessPolicy");
    o.set("security_group_name", c::js(item, "SecurityGroupName"))
        .opt("description", c::js(item, "Description"))
        .opt("vpc_id", c::js(item, "VpcId"))
        .set("security_group_type", c::js(item, "SecurityGroupType"))
        .set("inner_access_policy", policy.clone())
        .set("inner_access", policy == "Accept")
        .set("resource_group_id", c::js(item, "ResourceGroupId"))
        .opt("tags", c::jtags(item))
        .set("create_time", c::js(item, "CreationTime"));
    o.finish(TYPE, false)
}

fn describe(api: &Api, ctx: &OpContext, mut p: Params) -> Result<Value, ProviderError> {
    p.insert("PageSize".into(), "100".into());
    api.call(ctx, "DescribeSecurityGroups", p)
}

fn fetch(
    api: &Api,
    ctx: &OpContext,
    ids: &[String],
) -> Result<foldhash::HashMap<String, Value>, ProviderError> {
    let list = serde_json::to_string(ids).unwrap_or_default();
    let answer = describe(api, ctx, c::params(&[("SecurityGroupIds", &list)]))?;
    Ok(c::by_id(
        answer,
        "SecurityGroups",
        "SecurityGroup",
        "SecurityGroupId",
    ))
}

fn read_one(api: &Api, ctx: &OpContext, id: &str, src: &Attrs) -> Result<Attrs, ProviderError> {
    fetch(api, ctx, &[id.to_string()])?
        .get(id)
        .map(|item| to_attrs(item, src))
        .ok_or_else(|| {
            ProviderError::Invalid(format!(
                "security group {id} disappeared right after it was changed"
            ))
        })
}

/// The attributes of a security group this provider just created, from its arguments, as
/// DescribeSecurityGroups would answer them. The creation time waits for a read, and so does the
/// resource group when the configuration leaves it to the account's default.
fn created(id: &str, config: &Attrs) -> Attrs {
    let sg_type = c::ne(config, &["security_group_type"]).unwrap_or_else(|| "normal".into());
    let default_policy = if sg_type == "normal" {
        "Accept"
    } else {
        "Drop"
    };
    let group = c::ne(config, &["resource_group_id"]);
    let item = json!({
        "SecurityGroupId": id,
        "SecurityGroupName": c::s(config, &["security_group_name", "name"]).unwrap_or_default(),
        "Description": c::s(config, &["description"]).unwrap_or_default(),
        "VpcId": c::ne(config, &["vpc_id"]).unwrap_or_default(),
        "SecurityGroupType": sg_type,
        "InnerAccessPolicy": policy(config).unwrap_or_else(|| default_policy.into()),
        "ResourceGroupId": group.clone().unwrap_or_default(),
        "Tags": c::tag_items(config),
    });
    let mut a = to_attrs(&item, config);
    let mut deferred = vec!["create_time"];
    if group.is_none() {
        deferred.push("resource_group_id");
    }
    c::defer(&mut a, &deferred);
    a
}

fn policy(config: &Attrs) -> Option<String> {
    c::ne(config, &["inner_access_policy"]).or_else(|| {
        c::b(config, &["inner_access"]).map(|b| if b { "Accept" } else { "Drop" }.to_string())
    })
}

impl ResourceOps for SecurityGroup {
    fn create(&self, api: &Api, ctx: &OpContext, config: &Attrs) -> Result<Attrs, ProviderError> {
        let mut p = Params::new();
        c::put(&mut p, "VpcId", c::ne(config, &["vpc_id"]));
        c::put(
            &mut p,
            "SecurityGroupName",
            c::s(config, &["security_group_name", "name"]),
        );
        c::put(&mut p, "Description", c::s(config, &["description"]));
        c::put(
            &mut p,
            "SecurityGroupType",
            c::ne(config, &["security_group_type"]),
        );
        c::put(
            &mut p,
            "ResourceGroupId",
            c::ne(config, &["resource_group_id"]),
        );
        c::put_tags(&mut p, config);
        let answer = api.mutate(ctx, "CreateSecurityGroup", "", p)?;
        let id = c::js(&answer, "SecurityGroupId");
        if let Some(policy) = policy(config) {
            api.call(
                ctx,
                "ModifySecurityGroupPolicy",
                c::params(&[("SecurityGroupId", &id), ("InnerAccessPolicy", &policy)]),
            )?;
        }
        Ok(created(&id, config))
    }

    fn read(
        &self,
        api: &Api,
        ctx: &OpContext,
        items: &[ReadItem],
    ) -> Result<Vec<Option<Attrs>>, ProviderError> {
        c::read_batched(
            items,
            100,
            |ids| fetch(api, ctx, ids),
            |item, prior| Ok(to_attrs(item, prior)),
        )
    }

    fn update(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        config: &Attrs,
        changed: &[String],
    ) -> Result<Attrs, ProviderError> {
        if c::any(changed, &["security_group_name", "name", "description"]) {
            let mut p = c::params(&[("SecurityGroupId", id)]);
            c::put(
                &mut p,
                "SecurityGroupName",
                Some(c::s(config, &["security_group_name", "name"]).unwrap_or_default()),
            );
            c::put(
                &mut p,
                "Description",
                Some(c::s(config, &["description"]).unwrap_or_default()),
            );
            api.call(ctx, "ModifySecurityGroupAttribute", p)?;
        }
        if c::any(changed, &["inner_access_policy", "inner_access"])
            && let Some(policy) = policy(config)
        {
            api.call(
                ctx,
                "ModifySecurityGroupPolicy",
                c::params(&[("SecurityGroupId", id), ("InnerAccessPolicy", &policy)]),
            )?;
        }
        if c::any(changed, &["resource_group_id"])
            && let Some(group) = c::ne(config, &["resource_group_id"])
        {
            let p = c::params(&[
                ("ResourceId", id),
                ("ResourceGroupId", &group),
                ("ResourceType", "securitygroup"),
            ]);
            api.call(ctx, "JoinResourceGroup", p)?;
        }
        if c::any(changed, &["tags"]) {
            c::update_tags(
                api,
                ctx,
                id,
                "securitygroup",
                "UntagResources",
                prior,
                config,
            )?;
        }
        read_one(api, ctx, id, config)
    }

    fn delete(
        &self,
        api: &Api,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
    ) -> Result<Deleted, ProviderError> {
        c::delete(
            api,
            ctx,
            "DeleteSecurityGroup",
            c::params(&[("SecurityGroupId", id)]),
        )
    }

    fn find_by_token(
        &self,
        api: &Api,
        ctx: &OpContext,
        token: &str,
    ) -> Result<Option<Attrs>, ProviderError> {
        let answer = describe(api, ctx, c::params(&[("ClientToken", token)]))?;
        Ok(
            c::by_id(answer, "SecurityGroups", "SecurityGroup", "SecurityGroupId")
                .values()
                .next()
                .map(|i| to_attrs(i, &Attrs::new())),
        )
    }
}
