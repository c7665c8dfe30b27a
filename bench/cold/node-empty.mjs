// Cold start baseline: a fresh process reaching user code, importing and signing nothing.
const start = performance.now();
console.log(JSON.stringify({ start, loaded: start, signed: start, ok: true }));
