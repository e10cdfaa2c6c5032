//! `safepath bench`: load a database with cases and measure the API under
//! concurrent load, printing a table (figures go to docs/benchmarks.md).

use clap::Args;

#[derive(Args)]
pub struct BenchArgs {}

pub async fn run(_url: &str, _args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
