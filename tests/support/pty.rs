//! Pseudo-terminals for tests that need lakesql on a terminal.

use std::fs::File;
use std::os::fd::FromRawFd;

/// A new pseudo-terminal: (master, slave).
pub fn open() -> (File, File) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors; the null pointers ask for defaults.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "openpty");
    // SAFETY: both descriptors are ours, open, and owned by these files from here on.
    unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) }
}
