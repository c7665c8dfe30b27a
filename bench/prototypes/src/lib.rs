//! Prototype builds of acs-identity's wasm module, for the measured proposals in bench/analysis.md.
//! The package's own modules are included by path; features choose which `src/wasm` modules are in
//! (all of them = the package), and `packed` adds the packed-buffer signing ABI.
#![allow(dead_code, unused_imports, clippy::all)]
#[path = "../../../src/core/mod.rs"]
pub mod core;

#[path = "../../../src/wasm"]
pub mod wasm {
    pub mod error;
    pub mod sign;
    #[cfg(feature = "client")]
    pub mod client;
    #[cfg(feature = "endpoint")]
    pub mod endpoint;
    #[cfg(any(feature = "client", feature = "endpoint"))]
    mod host;
    #[cfg(feature = "token")]
    pub mod token;
}

#[cfg(feature = "packed")]
pub mod packed {
    //! Packed ABI: JS encodes "key\nmethod\nurl\nbody" into a static buffer (one encodeInto), Rust
    //! signs and writes "date\nhash\nauthorization" (ASCII) into another; numbers cross, no strings.
    use crate::core::signing::{self, AccessKey};
    use crate::core::url::Url;
    use std::cell::RefCell;
    use std::ptr::addr_of_mut;

    static mut BUF: [u8; 16384] = [0; 16384];
    static mut OUT: [u8; 512] = [0; 512];
    thread_local! {
        static KEY: RefCell<Option<(Vec<u8>, AccessKey)>> = const { RefCell::new(None) };
    }

    #[no_mangle]
    pub extern "C" fn packed_in() -> *mut u8 {
        addr_of_mut!(BUF) as *mut u8
    }
    #[no_mangle]
    pub extern "C" fn packed_out() -> *mut u8 {
        addr_of_mut!(OUT) as *mut u8
    }
    #[no_mangle]
    pub extern "C" fn packed_sign(len: usize, now_ms: f64) -> i32 {
        let buf: &[u8] =
            unsafe { core::slice::from_raw_parts(addr_of_mut!(BUF) as *const u8, len.min(16384)) };
        let mut parts = buf.splitn(4, |b| *b == b'\n');
        let (Some(key), Some(method), Some(url), body) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next().unwrap_or(b""),
        ) else {
            return -1;
        };
        let k = KEY.with(|c| {
            let mut c = c.borrow_mut();
            match &*c {
                Some((s, k)) if s.as_slice() == key => Some(k.clone()),
                _ => {
                    let k = AccessKey::from_base64(std::str::from_utf8(key).ok()?).ok()?;
                    *c = Some((key.to_vec(), k.clone()));
                    Some(k)
                }
            }
        });
        let Some(k) = k else { return -2 };
        let (Ok(method), Ok(url)) = (std::str::from_utf8(method), std::str::from_utf8(url)) else {
            return -3;
        };
        let Ok(url) = Url::parse(url) else { return -4 };
        let Ok(h) = signing::sign_request(&k, method, &url, body, now_ms as i64) else {
            return -5;
        };
        let out: &mut [u8] =
            unsafe { core::slice::from_raw_parts_mut(addr_of_mut!(OUT) as *mut u8, 512) };
        let mut n = 0;
        for (i, s) in [
            h.date.as_bytes(),
            h.content_hash.as_bytes(),
            h.authorization.as_bytes(),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                out[n] = b'\n';
                n += 1;
            }
            out[n..n + s.len()].copy_from_slice(s);
            n += s.len();
        }
        n as i32
    }
}
