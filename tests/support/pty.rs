//! Pseudo-terminals for tests that need lakesql on a terminal (shared by several test
//! binaries, each using part of it).
#![allow(dead_code)]

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

/// Everything the program on a pseudo-terminal shows, read by a thread from `master`.
pub struct Screen {
    text: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Screen {
    /// Starts reading `master` (a clone of it; the caller keeps it to type).
    pub fn read(master: &File) -> Screen {
        use std::io::Read;
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (mut reader, shown) = (master.try_clone().unwrap(), text.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Screen { text }
    }

    /// What was shown so far.
    pub fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    /// Waits (up to a minute) until `text` was shown `times` times; panics with the
    /// screen otherwise.
    pub fn wait_for(&self, text: &str, times: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while self.text().matches(text).count() < times {
            assert!(
                std::time::Instant::now() < deadline,
                "the screen never showed {text:?} {times} times:\n{}",
                self.text()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
