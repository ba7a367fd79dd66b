//! Fault injection: `EIPFORM_SIM_FAULTS=throttle=0.2,unavailable=0.05,conflict=0.05,taskconflict=0.05,latency=20ms,seed=7`.
//!
//! Before a call runs, the cloud sleeps `latency` (outside the connection lock, so parallel calls
//! overlap) and then, with the given probabilities, fails it with `Throttling.User` (400),
//! `ServiceUnavailable` (503), `OperationConflict` (409) or `TaskConflict` (400). Conflicts hit
//! only mutating actions. A fault is decided before the action runs, so a failed call never
//! changed anything. The draws come from one seeded `StdRng`, so a run is reproducible for a
//! given seed and call order. Scratch sessions (plan) never see faults or latency: plan must not
//! fail at random.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cloud::CloudError;

/// The environment variable [`super::SimCloud::open`] reads.
pub const ENV: &str = "EIPFORM_SIM_FAULTS";

/// Parsed fault settings and their random source.
#[derive(Debug)]
pub struct Faults {
    throttle: f64,
    unavailable: f64,
    conflict: f64,
    task_conflict: f64,
    latency: Duration,
    rng: Mutex<StdRng>,
}

impl Faults {
    /// Parses a fault spec; `None` for an empty spec.
    pub fn parse(spec: &str) -> Result<Option<Faults>, CloudError> {
        let mut f = Faults {
            throttle: 0.0,
            unavailable: 0.0,
            conflict: 0.0,
            task_conflict: 0.0,
            latency: Duration::ZERO,
            rng: Mutex::new(StdRng::seed_from_u64(0)),
        };
        let mut any = false;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            any = true;
            let (key, value) = part.split_once('=').ok_or_else(|| bad(part))?;
            let prob = || -> Result<f64, CloudError> {
                value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| bad(part))
            };
            match key.trim() {
                "throttle" => f.throttle = prob()?,
                "unavailable" => f.unavailable = prob()?,
                "conflict" => f.conflict = prob()?,
                "taskconflict" => f.task_conflict = prob()?,
                "latency" => {
                    f.latency = humantime::parse_duration(value.trim()).map_err(|_| bad(part))?
                }
                "seed" => {
                    let seed = value.trim().parse::<u64>().map_err(|_| bad(part))?;
                    f.rng = Mutex::new(StdRng::seed_from_u64(seed));
                }
                _ => return Err(bad(part)),
            }
        }
        Ok(any.then_some(f))
    }

    /// Reads [`ENV`]; `None` when unset or empty.
    pub fn from_env() -> Result<Option<Faults>, CloudError> {
        match std::env::var(ENV) {
            Ok(spec) => Faults::parse(&spec),
            Err(_) => Ok(None),
        }
    }

    /// Whether calls wait out an injected latency.
    pub fn has_latency(&self) -> bool {
        !self.latency.is_zero()
    }

    /// Sleeps the configured latency, then maybe fails the call (before it runs).
    pub fn before_call(&self, action: &str) -> Result<(), CloudError> {
        if self.has_latency() {
            std::thread::sleep(self.latency);
        }
        let mutating = !(action.starts_with("Describe") || action.starts_with("List"));
        let (a, b, c, d) = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            (
                rng.random::<f64>(),
                rng.random::<f64>(),
                rng.random::<f64>(),
                rng.random::<f64>(),
            )
        };
        if a < self.throttle {
            return Err(CloudError::new(
                "Throttling.User",
                "Request was denied due to user flow control.",
            ));
        }
        if b < self.unavailable {
            return Err(CloudError::new(
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
            .status(503));
        }
        if mutating && c < self.conflict {
            return Err(CloudError::new(
                "OperationConflict",
                "The operation conflicts with a previous request that is still being processed.",
            )
            .status(409));
        }
        if mutating && d < self.task_conflict {
            return Err(CloudError::new(
                "TaskConflict",
                "The eip operate too frequent.",
            ));
        }
        Ok(())
    }
}

fn bad(part: &str) -> CloudError {
    CloudError::new(
        "InvalidParameter",
        format!(
            "{ENV}: cannot read {part:?}; expected throttle=P, unavailable=P, conflict=P, taskconflict=P (P in 0..1), latency=DURATION, seed=N"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_draw_deterministically() {
        assert!(Faults::parse("").unwrap().is_none());
        assert!(Faults::parse("throttle=2").is_err());
        assert!(Faults::parse("bogus=1").is_err());
        let draws = |seed: u64| {
            let f = Faults::parse(&format!("throttle=0.5,seed={seed}"))
                .unwrap()
                .unwrap();
            (0..32)
                .map(|_| f.before_call("DescribeEipAddresses").is_err())
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert!(draws(7).iter().any(|x| *x) && draws(7).iter().any(|x| !*x));
        let f = Faults::parse("conflict=1").unwrap().unwrap();
        assert!(f.before_call("DescribeEipAddresses").is_ok());
        assert_eq!(
            f.before_call("AllocateEipAddress").unwrap_err().code,
            "OperationConflict"
        );
        let f = Faults::parse("unavailable=1").unwrap().unwrap();
        assert_eq!(
            f.before_call("ListTagResources").unwrap_err().http_status,
            503
        );
    }
}
