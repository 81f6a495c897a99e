//! What kind of failure an error is, where its text makes that plain, and the words that
//! made it so. Anything else is `Unknown`: a wrong class is worse than none.

use serde::Serialize;

/// The kinds of failure a user acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// More memory: raise the task's memory and retry.
    OutOfMemory,
    /// Killed by signal 9 / exit 137 without saying why (usually memory too).
    Killed,
    /// The disk filled: more disk, or a larger volume.
    DiskFull,
    /// An input is missing or unreadable: fix the sample sheet or the file.
    MissingInput,
    /// Reads and reference disagree (contigs, build, index).
    ReferenceMismatch,
    /// The platform lost the node or the service failed: a plain retry usually works.
    Transient,
    Unknown,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Self::OutOfMemory => "out of memory",
            Self::Killed => "killed (exit 137)",
            Self::DiskFull => "disk full",
            Self::MissingInput => "missing or unreadable input",
            Self::ReferenceMismatch => "reference mismatch",
            Self::Transient => "service or node failure (transient)",
            Self::Unknown => "unknown",
        }
    }

    /// Whether a plain retry, unchanged, is likely to get past it.
    pub fn retry_may_help(self) -> bool {
        matches!(self, Self::Transient | Self::Unknown)
    }
}

/// (class, phrases any one of which means it), in the order they are tried: the specific
/// before the general (an OOM kill says both "out of memory" and "137").
const RULES: &[(Class, &[&str])] = &[
    (
        Class::OutOfMemory,
        &[
            "out of memory",
            "outofmemoryerror",
            "java heap space",
            "not enough memory",
            "cannot allocate memory",
            "memory limit",
            "oom-kill",
            "oomkilled",
            "bad_alloc",
            "memoryerror",
        ],
    ),
    (
        Class::DiskFull,
        &[
            "no space left on device",
            "disk quota exceeded",
            "disk full",
            "not enough space",
            "enospc",
        ],
    ),
    (
        Class::ReferenceMismatch,
        &[
            "incompatible contigs",
            "no overlapping contigs",
            "reference mismatch",
            "contig not found in reference",
            "sequence dictionary",
            "different reference",
            "参考基因组版本不一致",
        ],
    ),
    (
        Class::MissingInput,
        &[
            "no such file",
            "not found",
            "does not exist",
            "could not open",
            "cannot open",
            "unable to open",
            "permission denied",
            "access denied",
            "nosuchkey",
            "failed to read",
            "not readable",
            "cosobjectnotexist",
            "malformed",
            "samformatexception",
            "truncated file",
            "unexpected end of file",
        ],
    ),
    (
        Class::Transient,
        &[
            "preempted",
            "reclaimed",
            "node was lost",
            "was lost",
            "node lost",
            "node failure",
            "connection reset",
            "connection refused",
            "timed out",
            "timeout",
            "internalerror",
            "internal error",
            "service unavailable",
            "temporarily unavailable",
            "try again",
            "exit code 143",
            "exit status 143",
            "sigterm",
        ],
    ),
    (
        Class::Killed,
        &[
            "exit code 137",
            "exit status 137",
            "return code 137",
            "status (137)",
            "killed",
            "sigkill",
            "signal 9",
        ],
    ),
];

/// The class of an error and the phrase that decided it (`None` for `Unknown`).
pub fn classify(text: &str) -> (Class, Option<&'static str>) {
    let lower = text.to_lowercase();
    for (class, phrases) in RULES {
        if let Some(p) = phrases.iter().find(|p| lower.contains(*p)) {
            return (*class, Some(p));
        }
    }
    (Class::Unknown, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_looking_errors_get_their_class() {
        let table = [
            (
                "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)",
                Class::OutOfMemory,
            ),
            (
                "EXITING because of FATAL ERROR: not enough memory for BAM sorting",
                Class::OutOfMemory,
            ),
            (
                "java.lang.OutOfMemoryError: Java heap space",
                Class::OutOfMemory,
            ),
            (
                "Process `X` terminated with an error exit status (137)",
                Class::Killed,
            ),
            (
                "[E::cram_encode_container] Failed to write CRAM container: No space left on device",
                Class::DiskFull,
            ),
            (
                "A USER ERROR has occurred: Input files reference and reads have incompatible contigs: No overlapping contigs found.",
                Class::ReferenceMismatch,
            ),
            (
                "salmon: error while loading the index: could not open salmon_index/versionInfo.json",
                Class::MissingInput,
            ),
            (
                "htsjdk.samtools.SAMFormatException: SAM validation error: ERROR: MAPQ should be 0 for unmapped read.",
                Class::MissingInput,
            ),
            (
                "ResourceNotFound.CosObjectNotExist: cos://bucket/NA12878.cram",
                Class::MissingInput,
            ),
            (
                "Task Align.BwaMem was lost: the compute node was reclaimed (spot instance preempted) while the task ran.",
                Class::Transient,
            ),
            (
                "[mem_sam_pe] paired reads have different names",
                Class::Unknown,
            ),
        ];
        for (text, want) in table {
            assert_eq!(classify(text).0, want, "{text}");
        }
        assert_eq!(
            classify("no space left on device").1,
            Some("no space left on device")
        );
        assert_eq!(classify("").0, Class::Unknown);
    }
}
