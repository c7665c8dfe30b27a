// workerd cold start baseline: a Worker with no imports.
export default {
  fetch() {
    return new Response('HMAC-SHA256 hello');
  },
};
