//! Profiles that assume a role with `duration_seconds` or `mfa_serial`, two settings
//! `aws-config`'s profile provider does not honour. For them lakesql gets the source
//! credentials from the source profile (through `aws-config`, so that profile may itself
//! be SSO, a process or another role) and calls STS `AssumeRole` itself (the official
//! `aws-sdk-sts` client `aws-config` already brings) with the duration and, for
//! `mfa_serial`, a code asked on the terminal — as the AWS CLI does. A script without a
//! terminal gets an error saying what to run instead.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use aws_config::Region;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileSet};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::EnvConfigFiles;

use super::credentials::error_chain;
use super::{AwsSettings, load, provider_config};

/// What a profile asks of `AssumeRole` beyond what `aws-config` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleSpec {
    /// The profile's name.
    pub profile: String,
    role_arn: String,
    source_profile: String,
    external_id: Option<String>,
    session_name: String,
    duration: Option<Duration>,
    mfa_serial: Option<String>,
}

impl RoleSpec {
    /// The role of profile `name` when it has `role_arn`, `source_profile` and one of
    /// `duration_seconds` / `mfa_serial`; `None` leaves the profile to `aws-config`.
    pub fn of_profile(profiles: &ProfileSet, name: &str) -> Option<RoleSpec> {
        let profile = profiles.get_profile(name)?;
        let (role_arn, source_profile) = (profile.get("role_arn")?, profile.get("source_profile")?);
        let duration = profile
            .get("duration_seconds")
            .and_then(|d| d.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mfa_serial = profile.get("mfa_serial").map(str::to_string);
        if duration.is_none() && mfa_serial.is_none() {
            return None;
        }
        Some(RoleSpec {
            profile: name.to_string(),
            role_arn: role_arn.to_string(),
            source_profile: source_profile.to_string(),
            external_id: profile.get("external_id").map(str::to_string),
            session_name: profile
                .get("role_session_name")
                .map_or_else(|| format!("lakesql-{name}"), str::to_string),
            duration,
            mfa_serial,
        })
    }
}

/// Assumes a [`RoleSpec`]'s role on every call (the caller caches).
#[derive(Debug)]
pub struct RoleProvider {
    spec: RoleSpec,
    files: Option<EnvConfigFiles>,
    region: String,
}

impl RoleProvider {
    /// A provider for `spec`, reading source profiles from `files`; STS is called in
    /// `region`.
    pub fn new(spec: RoleSpec, files: Option<EnvConfigFiles>, region: &str) -> Self {
        RoleProvider {
            spec,
            files,
            region: region.to_string(),
        }
    }

    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let spec = &self.spec;
        let fail = |step: &str, why: String| {
            CredentialsError::provider_error(format!("profile {}: {step}: {why}", spec.profile))
        };
        let mut source = ProfileFileCredentialsProvider::builder()
            .configure(&provider_config(&self.region))
            .profile_name(&spec.source_profile);
        if let Some(files) = &self.files {
            source = source.profile_files(files.clone());
        }
        let settings = AwsSettings {
            region: Some(self.region.clone()),
            ..AwsSettings::default()
        };
        // The environment's endpoint settings (AWS_ENDPOINT_URL_STS …) apply to STS.
        let sdk = load(&settings)
            .await
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(source.build()))
            .region(Region::new(self.region.clone()))
            .build();
        let client = aws_sdk_sts::Client::new(&sdk);
        let mut request = client
            .assume_role()
            .role_arn(&spec.role_arn)
            .role_session_name(&spec.session_name)
            .set_external_id(spec.external_id.clone());
        if let Some(duration) = spec.duration {
            request =
                request.duration_seconds(i32::try_from(duration.as_secs()).unwrap_or(i32::MAX));
        }
        if let Some(serial) = &spec.mfa_serial {
            let code = ask_mfa_code(&spec.profile, serial)
                .await
                .map_err(|why| fail("the MFA code", why))?;
            request = request.serial_number(serial).token_code(code);
        }
        let answer = request
            .send()
            .await
            .map_err(|e| fail(&format!("AssumeRole {}", spec.role_arn), error_chain(&e)))?;
        let credentials = answer
            .credentials()
            .ok_or_else(|| fail("AssumeRole", "the answer holds no credentials".into()))?;
        let expiry = std::time::SystemTime::try_from(*credentials.expiration()).ok();
        Ok(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            expiry,
            "lakesql-assume-role",
        ))
    }
}

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

/// Asks for the MFA code on the terminal (`/dev/tty`), as the AWS CLI does; without a
/// terminal, says what to do instead.
async fn ask_mfa_code(profile: &str, serial: &str) -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "the role needs an MFA code ({serial}) and there is no terminal to ask for it: \
             run lakesql interactively, or export temporary credentials first \
             (`aws configure export-credentials --profile {profile} --format env`)"
        ));
    }
    let (profile, serial) = (profile.to_string(), serial.to_string());
    tokio::task::spawn_blocking(move || {
        let prompt = format!("MFA code for {serial} (profile {profile}): ");
        let mut line = String::new();
        // The controlling terminal, as the AWS CLI asks; else standard input/error.
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
        {
            Ok(tty) => {
                let mut out = &tty;
                write!(out, "{prompt}")
                    .and_then(|_| out.flush())
                    .map_err(|e| format!("cannot write to the terminal: {e}"))?;
                std::io::BufReader::new(&tty)
                    .read_line(&mut line)
                    .map_err(|e| format!("cannot read the terminal: {e}"))?;
            }
            Err(_) => {
                eprint!("{prompt}");
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| format!("cannot read the terminal: {e}"))?;
            }
        }
        let code = line.trim().to_string();
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            Ok(code)
        } else {
            Err("an MFA code is six digits".to_string())
        }
    })
    .await
    .map_err(|e| format!("the MFA prompt failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_runtime::env_config::file::EnvConfigFileKind;
    use aws_types::os_shim_internal::{Env, Fs};

    fn profiles(text: &str) -> ProfileSet {
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, text)
            .build();
        futures::executor::block_on(aws_config::profile::load(
            &Fs::real(),
            &Env::from_slice(&[]),
            &files,
            None,
        ))
        .unwrap()
    }

    #[test]
    fn only_roles_with_a_duration_or_mfa_are_taken_over() {
        let set = profiles(
            "[profile plain]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
             [profile long]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
             duration_seconds = 7200\nexternal_id = x\n\
             [profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::1:mfa/me\n",
        );
        assert_eq!(RoleSpec::of_profile(&set, "plain"), None);
        let long = RoleSpec::of_profile(&set, "long").unwrap();
        assert_eq!(long.duration, Some(Duration::from_secs(7200)));
        assert_eq!(long.external_id.as_deref(), Some("x"));
        assert_eq!(long.session_name, "lakesql-long");
        let mfa = RoleSpec::of_profile(&set, "mfa").unwrap();
        assert_eq!(mfa.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
    }
}
