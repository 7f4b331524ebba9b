/**
 * HTTP enforcement of Bastion's security policy. Wiring for the server, as {@code bastion serve} does it:
 * <pre>{@code
 * SecurityServices security = SecurityServices.open(home, System.getenv());
 * security.bootstrap().ifPresent(keyFile -> log.info("first start: admin key written to {}", keyFile));
 * SecurityFilterChain chain = new SecurityFilterChain(securityConfig, security.keys(), security.audit());
 * ServerConfig config = chain.secure(ServerConfig.defaults(bind))      // the chain, body limit, ownership, audit
 *         .withModule(new SecurityAdminRoutes(security));              // /api/admin/users, /api/admin/keys, /api/keys
 * new BastionServer(config, catalog, loader).start();
 * }</pre>
 * Every route declares its {@link dev.bastion.api.Access} where it is registered; a route without one needs the admin
 * scope. A new HTTP-facing part is a {@link dev.bastion.api.ServerModule}: its routes, its
 * {@link dev.bastion.security.Authenticator}s (tried after the API keys), its start and stop.
 */
package dev.bastion.api.security;
