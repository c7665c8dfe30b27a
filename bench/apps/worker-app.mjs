// The edge token endpoint as a user deploys it (the ready Worker, configured by env bindings).
export { default } from 'acs-identity/worker';
