/**
 * HTTP enforcement of Bastion's security policy. Wiring for the server:
 * <pre>{@code
 * SecurityServices security = SecurityServices.open(home, System.getenv());
 * security.bootstrap().ifPresent(keyFile -> log.info("first start: admin key written to {}", keyFile));
 * SecurityFilterChain chain = new SecurityFilterChain(securityConfig, security.keys(), security.audit(),
 *         SecurityAdminRoutes.routePolicy(RoutePolicy.defaults()));
 * Javalin app = Javalin.create(config -> {
 *     chain.install(config);          // connector (host, port, TLS), limits, filters, error mapping
 *     new SecurityAdminRoutes(security).register(config);   // /api/admin/users, /api/admin/keys, /api/keys
 *     config.routes.post("/api/chat", ctx -> { Principal p = SecurityFilterChain.principal(ctx).orElseThrow(); ... });
 * }).start();                         // no host/port here: they come from SecurityConfig
 * }</pre>
 * A {@link dev.bastion.api.BastionServer} goes behind the chain as {@code bastion serve} puts it:
 * {@code new BastionServer(chain.secure(ServerConfig.defaults(bind)), catalog, loader)}.
 * New routes must be listed in {@link dev.bastion.api.security.RoutePolicy} (unlisted routes need the admin scope).
 */
package dev.bastion.api.security;
