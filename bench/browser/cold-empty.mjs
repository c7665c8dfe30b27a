// Cold start baseline in the page: navigation start → a module with no imports runs.
const loaded = performance.now();
const resources = performance.getEntriesByType('resource').map((e) => ({ name: e.name.split('/').pop(), start: e.startTime, end: e.responseEnd }));
window.cold = { loaded, signed: loaded, resources, ok: true };
