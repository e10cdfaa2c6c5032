//! Output files that appear whole or not at all: rows go to a temporary file
//! in the output's directory, which is renamed over the output only when
//! everything succeeded. An error (or an interrupted run) leaves no output
//! file behind, never a half-written one that looks complete.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A CSV file being written.
pub struct AtomicCsv {
    path: PathBuf,
    writer: csv::Writer<BufWriter<tempfile::NamedTempFile>>,
}

impl AtomicCsv {
    /// Starts `path` with its header. The directory must exist.
    pub fn create(path: &Path, header: &[&str]) -> anyhow::Result<Self> {
        let directory = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.is_dir() {
            anyhow::bail!("{} is a directory; give a file name", path.display());
        }
        let temporary = tempfile::Builder::new()
            .prefix(".safepath-link-")
            .suffix(".tmp")
            .tempfile_in(&directory)
            .with_context(|| format!("cannot write in {}", directory.display()))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(temporary));
        writer.write_record(header)?;
        Ok(Self { path: path.to_path_buf(), writer })
    }

    pub fn row<I, T>(&mut self, fields: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(fields).with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(self) -> anyhow::Result<()> {
        let shown = self.path.display().to_string();
        let buffered = self.writer.into_inner().map_err(|e| anyhow::anyhow!("cannot write {shown}: {}", e.error()))?;
        let temporary = buffered.into_inner().map_err(|e| anyhow::anyhow!("cannot write {shown}: {}", e.error()))?;
        temporary.as_file().sync_all().with_context(|| format!("cannot write {shown}"))?;
        temporary.persist(&self.path).map_err(|e| anyhow::anyhow!("cannot write {shown}: {}", e.error))?;
        Ok(())
    }
}
