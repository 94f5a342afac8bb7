//! The one-command GPU check (`deploy/gpu/check.sh`) on machines without a GPU: with no
//! `nvidia-smi`, and with one that finds no device, it says so in one line and exits 2 before
//! touching anything.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use pipeline_tests::workspace_root;

/// Runs the check with `path` as PATH in an empty folder; returns its exit code, stdout, stderr.
fn check(path: &str, cwd: &std::path::Path) -> (Option<i32>, String, String) {
    let out = Command::new("/bin/bash")
        .arg(workspace_root().join("deploy/gpu/check.sh"))
        .arg(cwd.join("no-binaries"))
        .current_dir(cwd)
        .env("PATH", path)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn without_a_gpu_the_check_says_so_in_one_line_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = check("/nonexistent", tmp.path());
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        ["no NVIDIA GPU found (nvidia-smi lists none): this check needs one"]
    );

    // A driver without a device: nvidia-smi fails.
    let fake = tmp.path().join("bin");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("nvidia-smi"), "#!/bin/sh\necho 'No devices were found' >&2\nexit 6\n").unwrap();
    std::fs::set_permissions(fake.join("nvidia-smi"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, stdout, stderr) = check(&format!("{}:/usr/bin:/bin", fake.display()), tmp.path());
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("no NVIDIA GPU found"), "{stderr}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "the check wrote something");
}
