//! Bindings to what every JavaScript runtime has as globals: `fetch`, `setTimeout`,
//! `clearTimeout`, `AbortController`, `crypto.getRandomValues`. Nothing here uses `window`, so the
//! same binary runs in browsers, workers, Deno, Bun and Node.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, called unqualified (some runtimes reject a detached `this`).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &Object) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &Uint8Array);

    pub type AbortController;
    #[wasm_bindgen(constructor)]
    pub fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;

    #[derive(Clone)]
    pub type AbortSignal;
    #[wasm_bindgen(method, getter)]
    pub fn aborted(this: &AbortSignal) -> bool;
    #[wasm_bindgen(method, getter)]
    pub fn reason(this: &AbortSignal) -> JsValue;
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &AbortSignal, kind: &str, listener: &Function);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &AbortSignal, kind: &str, listener: &Function);

    pub type Response;
    #[wasm_bindgen(method, getter)]
    pub fn status(this: &Response) -> u16;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Response) -> Headers;
    #[wasm_bindgen(method)]
    fn text(this: &Response) -> Promise;

    type Headers;
    #[wasm_bindgen(method)]
    fn get(this: &Headers, name: &str) -> Option<String>;
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers().get(name)
    }

    pub async fn body_text(&self) -> Result<String, JsValue> {
        Ok(JsFuture::from(self.text())
            .await?
            .as_string()
            .unwrap_or_default())
    }
}

/// `controller.abort` bound to the controller, usable as a plain callback (timer, listener).
pub fn bound_abort(controller: &AbortController) -> Function {
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
        signal.add_event_listener("abort", &callback);
        Listener {
            signal: signal.clone(),
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.signal.remove_event_listener("abort", &self.callback);
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
            let buf = Uint8Array::new_with_length(RANDOM_POOL as u32);
            get_random_values(&buf);
            buf.copy_to(bytes);
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
