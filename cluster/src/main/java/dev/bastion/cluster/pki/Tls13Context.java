package dev.bastion.cluster.pki;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;

/**
 * An initialised {@link SSLContext} whose sockets, engines and default parameters offer TLS 1.3 only and, as a
 * server, require a client certificate — so a caller that forgets {@code serverParameters()} still gets mutual TLS 1.3.
 * (The trust manager refuses older protocols too; this makes them fail before any certificate is exchanged.)
 */
final class Tls13Context extends SSLContextSpi {

    static final String[] PROTOCOLS = {"TLSv1.3"};

    private final SSLContext delegate;

    private Tls13Context(SSLContext delegate) {
        this.delegate = delegate;
    }

    static SSLContext wrap(SSLContext delegate) {
        return new SSLContext(new Tls13Context(delegate), delegate.getProvider(), "TLSv1.3") {
        };
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
        throw new KeyManagementException("the cluster SSL context is already initialised");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return new Sockets(delegate.getSocketFactory());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return new ServerSockets(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return restrict(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return restrict(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        SSLParameters parameters = delegate.getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        parameters.setNeedClientAuth(true);
        return parameters;
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        SSLParameters parameters = delegate.getSupportedSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        return parameters;
    }

    private static SSLEngine restrict(SSLEngine engine) {
        engine.setEnabledProtocols(PROTOCOLS);
        engine.setNeedClientAuth(true); // ignored in client mode
        return engine;
    }

    private static Socket restrict(Socket socket) {
        ((SSLSocket) socket).setEnabledProtocols(PROTOCOLS);
        return socket;
    }

    private static ServerSocket restrict(ServerSocket socket) {
        SSLServerSocket server = (SSLServerSocket) socket;
        server.setEnabledProtocols(PROTOCOLS);
        server.setNeedClientAuth(true);
        return server;
    }

    private static final class Sockets extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        Sockets(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override public String[] getDefaultCipherSuites() { return delegate.getDefaultCipherSuites(); }
        @Override public String[] getSupportedCipherSuites() { return delegate.getSupportedCipherSuites(); }
        @Override public Socket createSocket() throws IOException { return restrict(delegate.createSocket()); }
        @Override public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return restrict(delegate.createSocket(s, host, port, autoClose));
        }
        @Override public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return restrict(delegate.createSocket(s, consumed, autoClose));
        }
        @Override public Socket createSocket(String host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }
        @Override public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            return restrict(delegate.createSocket(host, port, local, localPort));
        }
        @Override public Socket createSocket(InetAddress host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }
        @Override public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
            return restrict(delegate.createSocket(host, port, local, localPort));
        }
    }

    private static final class ServerSockets extends SSLServerSocketFactory {
        private final SSLServerSocketFactory delegate;

        ServerSockets(SSLServerSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override public String[] getDefaultCipherSuites() { return delegate.getDefaultCipherSuites(); }
        @Override public String[] getSupportedCipherSuites() { return delegate.getSupportedCipherSuites(); }
        @Override public ServerSocket createServerSocket() throws IOException { return restrict(delegate.createServerSocket()); }
        @Override public ServerSocket createServerSocket(int port) throws IOException {
            return restrict(delegate.createServerSocket(port));
        }
        @Override public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return restrict(delegate.createServerSocket(port, backlog));
        }
        @Override public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return restrict(delegate.createServerSocket(port, backlog, address));
        }
    }
}
