//! Every example directory validates, applies, re-plans clean and destroys, so the examples the
//! README points at never go stale.

use std::path::Path;
use std::process::{Command, Output};

fn eipform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eipform"))
        .arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("EIPFORM_CLOUD")
        .env_remove("EIPFORM_SIM_FAULTS")
        .output()
        .expect("run eipform")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_example_applies_replans_clean_and_destroys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("main.tf").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        let tmp = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(root.join(&name))
            .unwrap()
            .filter_map(Result::ok)
        {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "tf" || e == "tfvars") {
                std::fs::copy(&p, tmp.path().join(entry.file_name())).unwrap();
            }
        }
        let dir = tmp.path();
        for args in [&["validate"][..], &["apply", "--auto-approve"][..]] {
            let o = eipform(dir, args);
            assert_eq!(o.status.code(), Some(0), "{name}: {args:?}: {}", text(&o));
        }
        let o = eipform(dir, &["plan", "--detailed-exitcode"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: second plan: {}",
            text(&o)
        );
        assert!(text(&o).contains("No changes."), "{name}: {}", text(&o));
        let o = eipform(dir, &["destroy", "--auto-approve"]);
        assert_eq!(o.status.code(), Some(0), "{name}: destroy: {}", text(&o));
        let o = eipform(dir, &["state", "list"]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "",
            "{name}: state after destroy"
        );
    }
}
