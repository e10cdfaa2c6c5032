//! Loading the synthetic demo data (see [`generate`]) into an empty database,
//! through the same parsers and store calls as real registrations.

pub mod generate;

use std::collections::HashMap;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use safepath_domain::case::{NewCase, NewCaseInput};
use safepath_domain::ids::{OrganisationId, UserId};
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput};
use safepath_domain::user::{NewUser, NewUserInput};
use safepath_server::auth::hash_password;
use safepath_server::PasswordCost;
use safepath_store::{AuditContext, CaseRegistration, Store};

pub use generate::{DEFAULT_SEED, DEMO_PASSWORD};

/// What the demo created: accounts (for printing) and the ids behind the
/// generator's keys (for the benchmark, which adds more children).
pub struct DemoSummary {
    pub users: Vec<(String, String)>,
    pub cases: usize,
    pub organisations: HashMap<&'static str, OrganisationId>,
    pub user_ids: HashMap<String, UserId>,
}

/// Loads the demo data; refuses when the database already holds anything.
pub async fn load(store: &dyn Store, seed: u64, cost: PasswordCost) -> anyhow::Result<DemoSummary> {
    if !store.is_empty().await? {
        bail!("the database already holds data; demo data loads only into an empty database");
    }
    let today = chrono::Utc::now().date_naive();
    let data = generate::generate(seed, today);
    let ctx = AuditContext::system("demo");

    let mut organisations = HashMap::new();
    for org in &data.organisations {
        let input: NewOrganisationInput = serde_json::from_value(org.body.clone())?;
        let parsed =
            NewOrganisation::parse(input).map_err(|e| anyhow::anyhow!("demo organisation {}: {e}", org.key))?;
        let created = store.create_organisation(&ctx, parsed).await?;
        organisations.insert(org.key, created.id);
    }

    let progress = bar(data.users.len() + data.children.len(), "demo data");
    let mut users = HashMap::new();
    let mut summary =
        DemoSummary { users: Vec::new(), cases: 0, organisations: HashMap::new(), user_ids: HashMap::new() };
    for user in &data.users {
        let organisation_id =
            organisations.get(user.organisation_key).context("demo user of an unknown organisation")?;
        let input = NewUserInput {
            username: user.username.clone(),
            password: DEMO_PASSWORD.to_string(),
            role: user.role.to_string(),
            organisation_id: organisation_id.to_string(),
            language: Some(user.language.to_string()),
            display_name: Some(user.display_name.clone()),
        };
        let parsed = NewUser::parse(input).map_err(|e| anyhow::anyhow!("demo user {}: {e}", user.username))?;
        let hash = tokio::task::spawn_blocking(move || hash_password(DEMO_PASSWORD, cost)).await??;
        let created = store.create_user(&ctx, parsed, hash).await?;
        users.insert(user.username.clone(), created.id);
        summary.users.push((user.username.clone(), user.role.to_string()));
        progress.inc(1);
    }

    let registrations = registrations(&data, &organisations, &users, today)?;
    summary.cases = registrations.len();
    store.import_cases(&ctx, registrations).await?;
    progress.inc(data.children.len() as u64);
    progress.finish_and_clear();
    summary.organisations = organisations;
    summary.user_ids = users;
    Ok(summary)
}

/// The generated children as registrations of the created organisations and users.
pub fn registrations(
    data: &generate::DemoData,
    organisations: &HashMap<&'static str, OrganisationId>,
    users: &HashMap<String, UserId>,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<CaseRegistration>> {
    let mut registrations = Vec::with_capacity(data.children.len());
    for child in &data.children {
        let mut body = child.body.clone();
        let assignee = users.get(&child.assigned_username).context("demo child assigned to an unknown user")?;
        body["assigned_to"] = serde_json::Value::String(assignee.to_string());
        let input: NewCaseInput = serde_json::from_value(body)?;
        let case = NewCase::parse(input, today).map_err(|e| anyhow::anyhow!("demo child: {e}"))?;
        let organisation_id =
            organisations.get(child.organisation_key).context("demo child of an unknown organisation")?;
        registrations.push(CaseRegistration { organisation_id: organisation_id.clone(), case });
    }
    Ok(registrations)
}

/// A progress bar on standard error (hidden when it is not a terminal).
pub fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
