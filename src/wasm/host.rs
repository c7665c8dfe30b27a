//! The Web APIs the client and the endpoint use, from `web-sys` (`AbortController`, `AbortSignal`,
//! `Response`, `Headers`, `RequestInit`, `Crypto`), plus three small bindings on the global scope:
//! `fetch`, `setTimeout` and `clearTimeout`. web-sys has those only as methods of `Window` and
//! `WorkerGlobalScope`, which Node, Deno and Bun do not have; called unqualified they are the
//! globals of every runtime (as gloo-net and workers-rs call them). Nothing here uses `window`, so
//! the same binary runs in browsers, workers, Deno, Bun and Node.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub use web_sys::{AbortSignal, RequestInit};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called unqualified (some runtimes reject a detached `this`).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &Object) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    /// A `web_sys::AbortController` whose constructor cannot fail (every runtime has one).
    #[wasm_bindgen(extends = web_sys::AbortController)]
    pub type AbortController;

    /// A `web_sys::Response` with the two reads the client makes of it.
    #[wasm_bindgen(extends = web_sys::Response)]
    pub type Response;
}

impl AbortController {
    #[allow(clippy::new_without_default)]
    pub fn new() -> AbortController {
        web_sys::AbortController::new()
            .unwrap_or_else(|e| wasm_bindgen::throw_val(e))
            .unchecked_into()
    }
}

impl Response {
    /// A header of the answer (`None` when absent or when the name is not a valid header name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers().get(name).ok().flatten()
    }

    pub async fn body_text(&self) -> Result<String, JsValue> {
        Ok(JsFuture::from(self.text()?)
            .await?
            .as_string()
            .unwrap_or_default())
    }
}

/// `controller.abort` bound to the controller, usable as a plain callback (timer, listener).
pub fn bound_abort(controller: &web_sys::AbortController) -> Function {
    let abort: Function = Reflect::get(controller, &"abort".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .unwrap_or_else(|| Function::new_no_args(""));
    abort.bind0(controller)
}

/// A started timer; cleared on drop so no pending timer keeps a process alive.
pub struct Timer(JsValue);

impl Timer {
    pub fn start(callback: &Function, ms: f64) -> Timer {
        Timer(set_timeout(callback, ms))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// An `abort` listener on a signal, removed on drop.
pub struct Listener {
    signal: AbortSignal,
    callback: Function,
}

impl Listener {
    pub fn add(signal: &AbortSignal, callback: Function) -> Listener {
        let _ = signal.add_event_listener_with_callback("abort", &callback);
        Listener {
            signal: signal.clone(),
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", &self.callback);
    }
}

/// Waits `ms`, or less when `signal` aborts first. No Rust closure is involved: the promise's own
/// `resolve` is the timer callback and the abort listener.
pub async fn sleep(ms: u32, signal: &AbortSignal) {
    if signal.aborted() {
        return;
    }
    let mut guards: Option<(Timer, Listener)> = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        guards = Some((
            Timer::start(&resolve, f64::from(ms)),
            Listener::add(signal, resolve),
        ));
    });
    let _ = JsFuture::from(promise).await;
    drop(guards);
}

/// Calls the injected `fetch` or the global one.
pub fn call_fetch(custom: Option<&Function>, url: &str, init: &Object) -> Result<Promise, JsValue> {
    match custom {
        Some(f) => f
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(url), init)?
            .dyn_into::<Promise>()
            .or_else(|v| {
                // A fetch that returned a plain value (not a promise): wrap it.
                Ok(Promise::resolve(&v))
            }),
        None => Ok(global_fetch(url, init)),
    }
}

/// The runtime's `crypto` (`globalThis.crypto`: every runtime has Web Crypto).
fn crypto() -> web_sys::Crypto {
    Reflect::get(&js_sys::global(), &"crypto".into())
        .unwrap_or(JsValue::UNDEFINED)
        .unchecked_into()
}

/// Random bytes fetched from the CSPRNG at a time: one `getRandomValues` call per 64 request ids
/// (each call costs a few microseconds in Node, whatever its length).
const RANDOM_POOL: usize = 1024;

thread_local! {
    /// Unused random bytes from the last `getRandomValues` call, and how many are used.
    static POOL: std::cell::RefCell<([u8; RANDOM_POOL], usize)> =
        const { std::cell::RefCell::new(([0; RANDOM_POOL], RANDOM_POOL)) };
}

/// 16 random bytes from the runtime's CSPRNG (drawn from a pool that is refilled when empty;
/// every byte is used once).
pub fn random_bytes() -> [u8; 16] {
    POOL.with(|pool| {
        let (bytes, used) = &mut *pool.borrow_mut();
        if *used + 16 > RANDOM_POOL {
            if let Err(e) = crypto().get_random_values_with_u8_array(bytes) {
                wasm_bindgen::throw_val(e);
            }
            *used = 0;
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&bytes[*used..*used + 16]);
        // Spent bytes are cleared, so the pool never holds a past id.
        bytes[*used..*used + 16].fill(0);
        *used += 16;
        out
    })
}

/// A fresh UUID v4 (for `x-ms-client-request-id`); made per call, never at module load.
pub fn uuid_v4() -> String {
    let mut b = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 15) as usize] as char);
    }
    s
}

// ---- small value helpers shared by the client, the endpoint and decodeAccessToken --------------

/// `undefined` or `null`: an option or binding that is not given.
pub fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// Sets a property of a plain object.
pub fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A JavaScript `Date` for Unix milliseconds.
pub fn date(ms: i64) -> JsValue {
    js_sys::Date::new(&JsValue::from_f64(ms as f64)).into()
}
