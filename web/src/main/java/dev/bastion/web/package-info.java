/**
 * The web side of Bastion: accounts with passwords and server-side sessions (a session cookie is one more
 * {@link dev.bastion.security.Authenticator}, so sessions and API keys share principals, roles, the IP allowlist and the
 * audit log), conversations stored per user, and later the pages. Plugs into the server as {@link
 * dev.bastion.api.ServerModule}s; the api module knows nothing of it.
 */
package dev.bastion.web;
