package dev.bastion.api.security;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * The Jetty side of the server: the listening connector (plain or TLS from PEM files), its limits (header size, idle
 * timeout, header deadline, connections per address), no server version, and Jetty's own errors in JSON.
 */
final class ServerConnectors {

    private ServerConnectors() {
    }

    /** @param hostCheck vets the host the connector binds, read when Jetty builds it (after configuration) */
    static void install(JavalinConfig javalin, SecurityConfig config, Consumer<String> hostCheck) {
        javalin.jetty.modifyHttpConfiguration(http -> {
            http.setRequestHeaderSize(config.maxHeaderBytes());
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            // Jetty reuses a header it cached from an earlier request on the connection when the next one's value
            // matches it ignoring case: a key differing from the previous request's only in case was taken as it.
            http.setHeaderCacheCaseSensitive(true);
        });
        javalin.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
        javalin.jetty.addConnector((server, http) -> {
            hostCheck.accept(javalin.jetty.host);
            return connector(server, http, config, javalin.jetty.host, javalin.jetty.port);
        });
    }

    private static ServerConnector connector(Server server, HttpConfiguration http, SecurityConfig config, String host, int port) {
        ServerConnector connector;
        if (config.tlsEnabled()) {
            HttpConfiguration https = new HttpConfiguration(http);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // Clients commonly connect by IP to a certificate issued for a name; hostname checks are the client's job.
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            char[] password = randomPassword();
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(PemKeyStore.load(config.tlsCert(), config.tlsKey(), password));
            ssl.setKeyStorePassword(new String(password));
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.addBean(new ConnectionGuard(config.headerDeadline(), config.maxConnectionsPerAddress()));
        return connector;
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes).toCharArray();
    }
}
