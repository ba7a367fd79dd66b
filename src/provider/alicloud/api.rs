//! The cloud as the provider sees it: calls with the region filled in, `ClientToken` on
//! mutating calls, and retries with exponential backoff and jitter for retryable codes, bounded
//! by the operation's timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::Value;

use crate::cloud::{CloudApi, CloudError, Params};
use crate::provider::{OpContext, ProviderError};

pub struct Api {
    cloud: Arc<dyn CloudApi>,
}

impl Api {
    pub fn new(cloud: Arc<dyn CloudApi>) -> Api {
        Api { cloud }
    }

    /// Calls `action` in `ctx.region` (unless `params` names a `RegionId`), retrying retryable
    /// errors until `ctx.timeout` runs out.
    pub fn call(&self, ctx: &OpContext, action: &str, mut params: Params) -> Result<Value, ProviderError> {
        params.entry("RegionId".into()).or_insert_with(|| ctx.region.clone());
        self.call_with_retry(ctx, action, &params)
    }

    /// Like [`Api::call`], and sends `ctx.client_token` (suffixed with `suffix` so that several
    /// mutating calls of one operation keep distinct tokens) as `ClientToken`.
    pub fn mutate(
        &self,
        ctx: &OpContext,
        action: &str,
        suffix: &str,
        mut params: Params,
    ) -> Result<Value, ProviderError> {
        if let Some(token) = &ctx.client_token {
            let token = if suffix.is_empty() { token.clone() } else { format!("{token}-{suffix}") };
            params.insert("ClientToken".into(), token);
        }
        self.call(ctx, action, params)
    }

    fn call_with_retry(&self, ctx: &OpContext, action: &str, params: &Params) -> Result<Value, ProviderError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(20);
        loop {
            match self.cloud.call(action, params) {
                Err(e) if e.is_retryable() => {
                    let jitter = rand::rng().random_range(0..=delay.as_millis() as u64 / 2);
                    let wait = delay + Duration::from_millis(jitter);
                    if started.elapsed() + wait > ctx.timeout {
                        return Err(ProviderError::Cloud(CloudError {
                            message: format!("{} (gave up after retrying for {:?})", e.message, started.elapsed()),
                            ..e
                        }));
                    }
                    std::thread::sleep(wait);
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                other => return other.map_err(ProviderError::from),
            }
        }
    }
}
