//! Gives freed heap memory back to the system after a large answer has replaced what the
//! dashboard held.
//!
//! A refresh of a 20,000-call scatter decodes a new copy of the calls (on a runtime
//! thread) while the old copy is still shown, then frees the old one. glibc keeps freed
//! memory in the arena of the thread that allocated it, so refreshes decoded on different
//! threads leave whole copies' worth of free memory resident, growing with every refresh.
//! `malloc_trim` hands the free pages of every arena back.

/// Items in an answer above which the heap is trimmed once the answer is applied.
pub const LARGE_ANSWER: usize = 1_000;

/// Returns free heap pages to the system (glibc only; elsewhere, nothing to do).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointers, is thread-safe, and only releases pages that
    // no allocation uses.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

/// Large blocks (from 1 MB: a list being written to the cache, a page of answers) are
/// taken from and given back to the system directly. glibc otherwise raises this threshold
/// after each large block is freed, up to 32 MB, and later large blocks come from the heap,
/// where what is freed around long-lived data stays resident.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    // SAFETY: mallopt takes plain integers and only changes the allocator's parameters.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
