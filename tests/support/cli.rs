//! Running the `topology` binary in tests: its exit code and output, and
//! temporary folders that are removed when dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Run `topology args` in the crate's folder; a panic fails the test.
pub fn topology<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    topology_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Run `topology args` with `dir` as the working directory.
pub fn topology_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the topology binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
    run
}

/// Bad input: exit code 2, nothing on stdout, and stderr names `needles`.
pub fn assert_input_error(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "expected exit 2; stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout for bad input, got:\n{}", run.stdout);
    for needle in needles {
        assert!(run.stderr.contains(needle), "stderr does not name `{needle}`:\n{}", run.stderr);
    }
}

/// A fresh folder under the system's temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ic-topology-test-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, text).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file of `defaults/`.
pub fn defaults(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults").join(name)
}

pub fn s(p: &Path) -> String {
    p.display().to_string()
}
