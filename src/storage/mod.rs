//! Where uploaded files live. This version has the local-directory backend; its readiness
//! check is what `/readyz` and `anyport ready` report as `storage`.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::StorageConfig;

#[derive(Debug, Clone)]
pub enum Storage {
    Local { dir: PathBuf },
}

impl Storage {
    pub fn from_config(config: &StorageConfig) -> Self {
        match config {
            StorageConfig::Local { dir } => Self::Local { dir: dir.clone() },
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Local { .. } => "local",
        }
    }

    /// Whether files can be stored now: the directory exists (it is created on first use)
    /// and is writable.
    pub async fn check(&self) -> anyhow::Result<()> {
        match self {
            Self::Local { dir } => {
                tokio::fs::create_dir_all(dir).await.with_context(|| format!("cannot create {}", dir.display()))?;
                let probe = dir.join(".anyport-ready");
                tokio::fs::write(&probe, b"ok").await.with_context(|| format!("{} is not writable", dir.display()))?;
                let _ = tokio::fs::remove_file(&probe).await;
                Ok(())
            }
        }
    }
}
