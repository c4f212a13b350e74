//! Start-up check for data that replicas would not share: a SQLite database or local file
//! storage that each container or pod keeps to itself. Several replicas of such a setup each
//! see their own rows and files, and lose them with the container. In production the clear
//! cases (the container's own writable layer, a Kubernetes `emptyDir`) refuse to start unless
//! `ALLOW_EPHEMERAL_STORAGE=true`; the rest, which only the operator can judge, log a warning.

use std::path::{Path, PathBuf};

use crate::{
    config::{AppEnv, Config, ConfigError, DatabaseKind, invalid},
    storage::StorageConfig,
};

/// What the check needs to know about the machine: read once from `/proc` and the
/// environment by [`Host::current`], or given by tests.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// In a Docker or Podman container (`/.dockerenv`, `/run/.containerenv`) or a pod.
    pub in_container: bool,
    /// In a Kubernetes pod (`KUBERNETES_SERVICE_HOST`).
    pub kubernetes: bool,
    /// Relative data paths are resolved against this.
    pub cwd: PathBuf,
    mounts: Vec<Mount>,
}

#[derive(Debug, Clone)]
struct Mount {
    /// The directory of the source filesystem that is mounted (a volume's host path).
    root: String,
    point: PathBuf,
    fstype: String,
}

/// Where one piece of local data lives, as far as replicas are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// In the process: every replica has its own, gone on restart.
    Memory,
    /// Not in a container: replicas on this host share it.
    HostDisk,
    /// The container's own writable layer: per container, gone when it is removed.
    ContainerLayer,
    /// A Kubernetes `emptyDir`: per pod, gone with the pod.
    EmptyDir,
    /// A volume mounted at this path: shared by whatever mounts the same volume.
    Volume(PathBuf),
}

impl Host {
    pub fn current() -> Self {
        let kubernetes = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
        let in_container = kubernetes || Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists();
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        Self::new(in_container, kubernetes, &mountinfo, cwd)
    }

    /// `mountinfo` in the format of `/proc/self/mountinfo`.
    pub fn new(in_container: bool, kubernetes: bool, mountinfo: &str, cwd: PathBuf) -> Self {
        let mounts = mountinfo.lines().filter_map(parse_mount).collect();
        Self { in_container, kubernetes, cwd, mounts }
    }

    /// The mount that holds `path`: the one with the longest mount point above it.
    fn mount_of(&self, path: &Path) -> Option<&Mount> {
        self.mounts.iter().filter(|m| path.starts_with(&m.point)).max_by_key(|m| m.point.components().count())
    }

    fn place(&self, path: &Path) -> Place {
        if !self.in_container {
            return Place::HostDisk;
        }
        let path = self.cwd.join(path);
        match self.mount_of(&path) {
            Some(m) if m.root.contains("kubernetes.io~empty-dir") => Place::EmptyDir,
            Some(m) if m.point == Path::new("/") && is_layered(&m.fstype) => Place::ContainerLayer,
            // A root that is not a layered filesystem (a VM-like sandbox): the operator's disk.
            Some(m) if m.point == Path::new("/") => Place::HostDisk,
            Some(m) => Place::Volume(m.point.clone()),
            None => Place::HostDisk,
        }
    }
}

/// The filesystems container engines build an image's writable layer from.
fn is_layered(fstype: &str) -> bool {
    matches!(fstype, "overlay" | "fuse.fuse-overlayfs" | "aufs")
}

/// One line of `/proc/self/mountinfo`: `id parent maj:min root point options [tags] - fstype …`.
fn parse_mount(line: &str) -> Option<Mount> {
    let fields: Vec<&str> = line.split(' ').collect();
    let fstype = fields.iter().position(|f| *f == "-").and_then(|i| fields.get(i + 1))?;
    Some(Mount {
        root: unescape(fields.get(3)?),
        point: PathBuf::from(unescape(fields.get(4)?)),
        fstype: fstype.to_string(),
    })
}

/// mountinfo writes space, tab, newline and backslash as `\ooo` octal escapes.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The SQLite file a `sqlite:` URL names, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory");
    (!memory).then(|| PathBuf::from(path))
}

/// Refuses (production) or warns about data that several replicas would not share. The
/// warnings are returned for the caller to log.
pub fn check(config: &Config, host: &Host) -> Result<Vec<String>, ConfigError> {
    let mut items: Vec<(&'static str, &'static str, Place)> = Vec::new();
    if config.database.kind == DatabaseKind::Sqlite {
        let place = sqlite_file(config.database.url.expose()).map_or(Place::Memory, |file| host.place(&file));
        items.push(("DATABASE_URL", "the SQLite database", place));
    }
    if let StorageConfig::Local(local) = &config.storage {
        items.push(("STORAGE_DIR", "local file storage", host.place(&local.dir)));
    }
    let production = config.app_env == AppEnv::Production;
    let mut warnings = Vec::new();
    for (var, what, place) in items {
        let fix = if var == "DATABASE_URL" {
            "set DATABASE_URL to PostgreSQL"
        } else {
            "set S3_BUCKET or MONGODB_URI, or mount one volume that every replica shares"
        };
        let (refuse, text) = match &place {
            Place::HostDisk => continue,
            Place::ContainerLayer => (
                true,
                format!(
                    "{what} is in this container's own writable layer: every replica keeps its own, lost when the container is removed; {fix}"
                ),
            ),
            Place::EmptyDir => {
                (true, format!("{what} is on a Kubernetes emptyDir: every pod keeps its own, lost with the pod; {fix}"))
            }
            Place::Memory => (false, format!("{what} is in memory: every replica has its own, lost on restart; {fix}")),
            Place::Volume(point) if host.kubernetes => (
                false,
                format!(
                    "{what} is on the volume at {}: pods share it only if it is ReadWriteMany; with more than one replica {fix}",
                    point.display()
                ),
            ),
            Place::Volume(point) if var == "DATABASE_URL" => (
                false,
                format!(
                    "{what} is on the volume at {}: it serves one container; to run several replicas {fix}",
                    point.display()
                ),
            ),
            // Local files on a volume: shared by every replica on this host that mounts it.
            Place::Volume(_) => continue,
        };
        if refuse && production && !config.allow_ephemeral_storage {
            return Err(invalid(var, format!("{text} (or ALLOW_EPHEMERAL_STORAGE=true to accept the loss)")));
        }
        warnings.push(text);
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Vars;

    const DOCKER: &str = "\
1182 1001 0:120 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
1190 1182 254:1 /var/lib/docker/volumes/anyport_files/_data /app/data rw,relatime - ext4 /dev/vda1 rw
1191 1182 254:1 /var/lib/docker/volumes/my\\040db/_data /srv/db rw,relatime - ext4 /dev/vda1 rw
1192 1182 254:1 /var/lib/docker/containers/abc/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw";

    const KUBERNETES: &str = "\
2001 2000 0:200 / / ro,relatime - overlay overlay rw
2002 2001 8:1 /var/lib/kubelet/pods/9f/volumes/kubernetes.io~empty-dir/data /app/data rw - ext4 /dev/sda1 rw
2003 2001 8:1 /var/lib/kubelet/pods/9f/volumes/kubernetes.io~csi/pvc-1/mount /srv/files rw - ext4 /dev/sdb rw";

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: HashMap<_, _> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(&Vars::from_map(map)).unwrap()
    }

    fn docker() -> Host {
        Host::new(true, false, DOCKER, PathBuf::from("/app"))
    }

    const PROD: [(&str, &str); 3] =
        [("APP_ENV", "production"), ("API_TOKEN", "t"), ("DATABASE_URL", "postgres://u@postgres/anyport")];

    #[test]
    fn production_refuses_data_in_the_containers_own_layer_unless_allowed() {
        let files = [PROD[0], PROD[1], PROD[2], ("STORAGE_DIR", "/srv/files")];
        let err = check(&config(&files), &docker()).unwrap_err();
        assert_eq!(err.var, "STORAGE_DIR", "{err}");
        assert!(err.message.contains("ALLOW_EPHEMERAL_STORAGE"), "{err}");
        let sqlite = [PROD[0], PROD[1], ("DATABASE_URL", "sqlite:///var/anyport.db"), ("S3_BUCKET", "b")];
        assert_eq!(check(&config(&sqlite), &docker()).unwrap_err().var, "DATABASE_URL");
        let allowed = [files[0], files[1], files[2], files[3], ("ALLOW_EPHEMERAL_STORAGE", "true")];
        assert_eq!(check(&config(&allowed), &docker()).unwrap().len(), 1, "the refusal becomes a warning");
        let dev = check(&config(&[PROD[2], files[3]]), &docker()).unwrap();
        assert!(dev[0].contains("writable layer"), "development only warns: {dev:?}");
    }

    #[test]
    fn files_on_a_shared_volume_pass_and_sqlite_on_one_warns() {
        // The image's WORKDIR is /app: the defaults data/anyport.db and data/files are on the volume.
        let files = [PROD[0], PROD[1], PROD[2], ("STORAGE_DIR", "/app/data/files")];
        assert!(check(&config(&files), &docker()).unwrap().is_empty(), "the compose prod profile");
        let warnings = check(&config(&[PROD[0], PROD[1]]), &docker()).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("/app/data") && warnings[0].contains("PostgreSQL"), "{warnings:?}");
    }

    #[test]
    fn kubernetes_refuses_an_empty_dir_and_warns_about_other_volumes() {
        let pod = Host::new(true, true, KUBERNETES, PathBuf::from("/"));
        let err = check(&config(&[PROD[0], PROD[1], PROD[2], ("STORAGE_DIR", "/app/data/files")]), &pod).unwrap_err();
        assert_eq!(err.var, "STORAGE_DIR");
        assert!(err.message.contains("emptyDir"), "{err}");
        let warnings = check(&config(&[PROD[0], PROD[1], PROD[2], ("STORAGE_DIR", "/srv/files/x")]), &pod).unwrap();
        assert!(warnings[0].contains("ReadWriteMany"), "{warnings:?}");
        let s3 = [PROD[0], PROD[1], PROD[2], ("S3_BUCKET", "b")];
        assert!(check(&config(&s3), &pod).unwrap().is_empty());
    }

    #[test]
    fn outside_a_container_nothing_is_refused_and_memory_only_warns() {
        let host = Host::new(false, false, DOCKER, PathBuf::from("/app"));
        assert!(check(&config(&[PROD[0], PROD[1]]), &host).unwrap().is_empty());
        let memory = check(&config(&[PROD[0], PROD[1], ("DATABASE_URL", "sqlite::memory:")]), &host).unwrap();
        assert!(memory[0].contains("in memory"), "{memory:?}");
        let sandbox = Host::new(true, false, "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw", PathBuf::from("/w"));
        assert!(check(&config(&[PROD[0], PROD[1]]), &sandbox).unwrap().is_empty(), "a root that is not a layer");
    }

    #[test]
    fn mount_points_are_unescaped_and_the_longest_one_wins() {
        let host = docker();
        assert_eq!(host.place(Path::new("/srv/db/x.db")), Place::Volume(PathBuf::from("/srv/db")));
        assert_eq!(host.place(Path::new("data/files")), Place::Volume(PathBuf::from("/app/data")));
        assert_eq!(host.place(Path::new("/app/other")), Place::ContainerLayer);
        let spaced = Host::new(true, false, &DOCKER.replace(" /srv/db ", " /srv/my\\040db "), PathBuf::from("/"));
        assert_eq!(spaced.place(Path::new("/srv/my db/x.db")), Place::Volume(PathBuf::from("/srv/my db")));
        assert_eq!(sqlite_file("sqlite://data/anyport.db"), Some(PathBuf::from("data/anyport.db")));
        assert_eq!(sqlite_file("sqlite:///srv/a.db?mode=rwc"), Some(PathBuf::from("/srv/a.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory&cache=shared"), None);
    }
}
