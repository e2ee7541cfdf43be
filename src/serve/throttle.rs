//! Throttling, as the API gateway in front of AWS services does it: a token bucket per
//! operation (governor's GCRA), refusing calls over the rate with `ThrottlingException`,
//! which every AWS client retries. Off by default; `--throttle OP=RATE[:BURST]` sets one
//! operation's limit and `--athena-limits` applies Athena's published API rates.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::error::{LakeError, Result};

/// One operation's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Operation name (`StartQueryExecution`, `GetTable`, …).
    pub operation: String,
    /// Calls per second.
    pub rate: f64,
    /// Calls allowed at once above the rate.
    pub burst: u32,
}

impl Limit {
    /// Parses `OP=RATE[:BURST]` (burst defaults to the rate, at least 1).
    pub fn parse(text: &str) -> Result<Limit> {
        let bad = || {
            LakeError::invalid(format!(
                "--throttle {text}: expected OPERATION=RATE[:BURST], e.g. StartQueryExecution=20:40"
            ))
        };
        let (operation, numbers) = text.split_once('=').ok_or_else(bad)?;
        let (rate, burst) = match numbers.split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (numbers, None),
        };
        let rate: f64 = rate.trim().parse().map_err(|_| bad())?;
        if !(rate.is_finite() && rate > 0.0) || operation.trim().is_empty() {
            return Err(bad());
        }
        let burst = match burst {
            Some(b) => b
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|b| *b > 0)
                .ok_or_else(bad)?,
            None => (rate.ceil() as u32).max(1),
        };
        Ok(Limit {
            operation: operation.trim().to_string(),
            rate,
            burst,
        })
    }

    /// Athena's published API rate quotas (StartQueryExecution and StopQueryExecution 20
    /// calls per second, GetQueryExecution and GetQueryResults 100), with bursts of twice
    /// the rate.
    pub fn athena_defaults() -> Vec<Limit> {
        [
            ("StartQueryExecution", 20.0),
            ("StopQueryExecution", 20.0),
            ("GetQueryExecution", 100.0),
            ("GetQueryResults", 100.0),
        ]
        .into_iter()
        .map(|(operation, rate)| Limit {
            operation: operation.to_string(),
            rate,
            burst: (rate * 2.0) as u32,
        })
        .collect()
    }
}

/// The limiters of the configured operations.
pub struct Throttle {
    limiters: HashMap<String, DefaultDirectRateLimiter>,
}

impl Throttle {
    /// Limiters for `limits` (a later limit for the same operation wins).
    pub fn new(limits: &[Limit]) -> Self {
        let limiters = limits
            .iter()
            .map(|limit| {
                let period = Duration::from_secs_f64(1.0 / limit.rate);
                let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
                let quota = Quota::with_period(period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                    .allow_burst(burst);
                (limit.operation.clone(), RateLimiter::direct(quota))
            })
            .collect();
        Throttle { limiters }
    }

    /// Whether a call of `operation` may go ahead now.
    pub fn admit(&self, operation: &str) -> bool {
        self.limiters
            .get(operation)
            .is_none_or(|limiter| limiter.check().is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_refuse_bad_text() {
        assert_eq!(
            Limit::parse("GetTable=2.5:4").unwrap(),
            Limit {
                operation: "GetTable".into(),
                rate: 2.5,
                burst: 4
            }
        );
        assert_eq!(Limit::parse("GetTable=3").unwrap().burst, 3);
        for bad in ["GetTable", "GetTable=0", "GetTable=x", "=3", "GetTable=1:0"] {
            assert!(Limit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_burst_above_the_rate_is_refused_and_other_operations_are_not_limited() {
        let throttle = Throttle::new(&[Limit::parse("GetQueryExecution=1:3").unwrap()]);
        let admitted = (0..10)
            .filter(|_| throttle.admit("GetQueryExecution"))
            .count();
        assert_eq!(admitted, 3);
        assert!((0..100).all(|_| throttle.admit("GetQueryResults")));
    }
}
